// A realistic crisis-room scenario, seeded through the public API as a duty officer.

'use strict';

// Personal data the wall must never show or receive.
const PII = {
  passport: 'E99887766',
  phone: '+86 139 2468 1357',
  phoneDigits: '13924681357',
  name: 'Zhou Xiaoyun-Testperson',
  dob: '1987-03-14',
  evacueeName: 'Qian Evacuee-Testperson',
  evacueePassport: 'E55443322',
  evacueePhone: '+86 137 1122 3344',
};
// The restricted kidnapping: none of this may reach the wall.
const RESTRICTED = {
  title: 'Abduction of two engineers near Gao (Sinohydro camp)',
  place: 'Tarkint road, 40 km north of Gao',
  report: 'Captors called the site manager from a Thuraya number; proof-of-life requested.',
};

function iso(ms) {
  return new Date(ms).toISOString();
}

async function person(server, token, p) {
  const r = await server.api(token, 'POST', '/v1/persons', p);
  return r.id;
}

async function openIncident(server, token, body) {
  const r = await server.api(token, 'POST', '/v1/incidents', body);
  return r.id;
}

async function report(server, token, id, text, category, place) {
  return server.api(token, 'POST', `/v1/incidents/${id}/reports`, { text, category, place });
}

async function affect(server, token, incidentId, personId, status) {
  return server.api(token, 'POST', `/v1/incidents/${incidentId}/persons`, { person_id: personId, status });
}

// Evacuations are run by an evacuation coordinator.
function coordinator(server) {
  if (!server.coordinatorToken) server.coordinatorToken = server.token('evacuation_coordinator', 'evac.coordinator');
  return server.coordinatorToken;
}

async function openEvacuation(server, body) {
  return (await server.api(coordinator(server), 'POST', '/v1/evacuations', body)).id;
}

async function scheduleTransport(server, evacuationId, body) {
  return (await server.api(coordinator(server), 'POST', `/v1/evacuations/${evacuationId}/transports`, body)).id;
}

// Registers `n` evacuees and takes the first ones as far as `stage` says:
// { checkedIn, assigned, boarded } counts, onto `transportId`.
async function evacuees(server, evacuationId, country, n, { checkedIn = 0, assigned = 0, boarded = 0, transportId, point } = {}) {
  const co = coordinator(server);
  const base = `/v1/evacuations/${evacuationId}/evacuees`;
  const priorities = ['standard', 'standard', 'child', 'elderly', 'standard', 'medical', 'pregnant'];
  const ids = [];
  for (let i = 0; i < n; i++) {
    const r = await server.api(co, 'POST', base, { priority: priorities[i % priorities.length], person: citizen(country) });
    ids.push(r.person_id);
  }
  for (let i = 0; i < checkedIn; i++) await server.api(co, 'POST', `${base}/${ids[i]}/check-in`, { assembly_point: point || null });
  for (let i = 0; i < assigned; i++) await server.api(co, 'POST', `${base}/${ids[i]}/assign`, { transport_id: transportId });
  for (let i = 0; i < boarded; i++) await server.api(co, 'POST', `${base}/${ids[i]}/board`, { transport_id: transportId });
  return ids;
}

async function board(server, evacuationId, personId, transportId) {
  return server.api(coordinator(server), 'POST', `/v1/evacuations/${evacuationId}/evacuees/${personId}/board`, { transport_id: transportId });
}

async function move(server, evacuationId, transportId, what) {
  return server.api(coordinator(server), 'POST', `/v1/evacuations/${evacuationId}/transports/${transportId}/${what}`, {});
}

let seq = 0;
function citizen(country, extra = {}) {
  seq += 1;
  const n = String(seq).padStart(3, '0');
  return {
    full_name: `Citizen ${country}-${n}`,
    date_of_birth: `19${70 + (seq % 30)}-0${1 + (seq % 9)}-1${seq % 10}`,
    nationality: 'CN',
    passport_number: `EA${String(1000000 + seq * 7919).slice(0, 7)}`,
    phone: `+86 150 0000 ${String(1000 + seq)}`,
    current_country: country,
    ...extra,
  };
}

// Phase one: the last day, recorded over past hours where libfaketime is available
// (`shiftTime`, see Server.shiftTime), so that ages and the replay timeline look like a real day.
// Ends with the server back on real time.
async function seedPhaseOne(server, token, { shiftTime = false } = {}) {
  const ids = {};
  const shift = shiftTime ? (offset) => server.shiftTime(offset) : async () => {};

  await shift('-26h');
  for (const [code, level, reason] of [
    ['ML', 4, 'Kidnapping threat; terrorist activity in the north and centre'],
    ['SD', 3, 'Armed clashes in Khartoum and Darfur'],
    ['NG', 3, 'Kidnapping for ransom in several states'],
    ['TH', 1, 'Normal precautions'],
    ['PE', 2, 'Protests and road blocks in the south'],
    ['UA', 4, 'War'],
    ['HT', 4, 'Gang violence; airport closed intermittently'],
    ['MM', 3, 'Conflict in border regions'],
  ]) {
    await server.api(token, 'PUT', `/v1/countries/${code}/risk`, { level, reason });
  }

  ids.kidnap = await openIncident(server, token, {
    kind: 'kidnapping',
    title: RESTRICTED.title,
    country: 'ML',
    severity: 5,
    place: RESTRICTED.place,
    lat: 16.62,
    lon: -0.21,
    summary: 'Two citizens abducted from a road-building camp.',
  });
  const hostage = await person(server, token, {
    full_name: PII.name,
    date_of_birth: PII.dob,
    nationality: 'CN',
    passport_number: PII.passport,
    phone: PII.phone,
    current_country: 'ML',
  });
  await affect(server, token, ids.kidnap, hostage, 'held');
  await affect(server, token, ids.kidnap, await person(server, token, citizen('ML')), 'held');
  await report(server, token, ids.kidnap, RESTRICTED.report, 'contact', RESTRICTED.place);
  await server.api(token, 'POST', `/v1/incidents/${ids.kidnap}/lead`, { subject: 'li.wei' });

  ids.nigeria = await openIncident(server, token, {
    kind: 'consular_assistance',
    title: 'Lost passports, tour group of 14 at Lagos airport',
    country: 'NG',
    severity: 1,
  });
  await server.api(token, 'POST', `/v1/incidents/${ids.nigeria}/lead`, { subject: 'sun.li' });

  await shift('-5h');
  await server.api(token, 'PUT', '/v1/countries/SD/risk', { level: 4, reason: 'Armed conflict; leave by any safe means' });
  ids.sudan = await openIncident(server, token, {
    kind: 'evacuation',
    title: 'Khartoum: fighting around the airport, citizens sheltering',
    country: 'SD',
    severity: 5,
    place: 'Khartoum',
    lat: 15.5,
    lon: 32.56,
    summary: 'Armed clashes; airport closed; 300+ citizens registered with the embassy.',
  });
  for (const st of ['unaccounted', 'unaccounted', 'unaccounted', 'injured', 'safe', 'safe', 'safe', 'safe']) {
    await affect(server, token, ids.sudan, await person(server, token, citizen('SD')), st);
  }
  await server.api(token, 'POST', `/v1/incidents/${ids.sudan}/lead`, { subject: 'chen.jing' });
  await server.api(token, 'POST', `/v1/incidents/${ids.sudan}/status`, { status: 'active' });
  await report(server, token, ids.sudan, 'Embassy compound intact. 46 citizens sheltering inside, water for 4 days.', 'situation', 'Embassy, Khartoum 2');
  await report(server, token, ids.sudan, 'Road to Port Sudan open via Atbara, RSF checkpoints at Shendi.', 'logistics', 'Atbara');
  for (const title of ['Confirm bus hire for convoy 2', 'Send passenger list to Port Sudan consulate']) {
    await server.api(token, 'POST', `/v1/incidents/${ids.sudan}/tasks`, { title, due_at: iso(Date.now() - 40 * 60 * 1000) });
  }

  await shift('-2h');
  ids.lebanon = await openIncident(server, token, {
    kind: 'civil_unrest',
    title: 'Beirut: strikes on southern suburbs, residents leaving',
    country: 'LB',
    severity: 4,
    place: 'Beirut',
    lat: 33.85,
    lon: 35.5,
  });
  await affect(server, token, ids.lebanon, await person(server, token, citizen('LB')), 'safe');
  await affect(server, token, ids.lebanon, await person(server, token, citizen('LB')), 'missing');
  await server.api(token, 'POST', `/v1/incidents/${ids.lebanon}/lead`, { subject: 'zhang.min' });
  await report(server, token, ids.lebanon, 'Two families asking for help to reach the airport; taxis refusing Dahieh.', 'welfare', 'Dahieh');
  await server.api(token, 'POST', `/v1/incidents/${ids.lebanon}/tasks`, {
    title: 'Book seats on MEA flights for registered families',
    due_at: iso(Date.now() - 10 * 60 * 1000),
  });
  await server.api(token, 'PUT', '/v1/countries/LB/risk', { level: 3, reason: 'Air strikes in the south and Beirut suburbs' });

  await shift('-100m');
  ids.evacSudan = await openEvacuation(server, {
    country: 'SD',
    reason: 'Fighting in Khartoum: leave by road to Port Sudan, then by sea and air',
    assembly_points: ['Embassy compound', 'Al-Salam Rotana'],
    incident_id: ids.sudan,
  });
  const hour = 3600 * 1000;
  const t0 = Date.now() - (shiftTime ? 100 * 60 * 1000 : 0); // the server's now
  ids.convoy1 = await scheduleTransport(server, ids.evacSudan, { mode: 'bus', number: 'Convoy 1', from: 'Khartoum', to: 'Port Sudan', departs_at: iso(t0 + 0.2 * hour), capacity: 12 });
  ids.convoy2 = await scheduleTransport(server, ids.evacSudan, { mode: 'bus', number: 'Convoy 2', from: 'Khartoum', to: 'Port Sudan', departs_at: iso(t0 + 2.5 * hour), capacity: 12 });
  ids.ship = await scheduleTransport(server, ids.evacSudan, { mode: 'ship', number: 'Weishanhu', from: 'Port Sudan', to: 'Jeddah', departs_at: iso(t0 + 9 * hour), capacity: 40 });
  await evacuees(server, ids.evacSudan, 'SD', 12, { checkedIn: 12, assigned: 12, boarded: 12, transportId: ids.convoy1, point: 'Embassy compound' });
  await move(server, ids.evacSudan, ids.convoy1, 'depart');
  ids.convoy2People = await evacuees(server, ids.evacSudan, 'SD', 14, { checkedIn: 9, assigned: 9, boarded: 6, transportId: ids.convoy2, point: 'Al-Salam Rotana' });

  await shift('-90m');
  ids.turkey = await openIncident(server, token, {
    kind: 'natural_disaster',
    title: 'M6.8 earthquake, Malatya province',
    country: 'TR',
    severity: 4,
    place: 'Malatya',
    lat: 38.35,
    lon: 38.31,
  });
  await affect(server, token, ids.turkey, await person(server, token, citizen('TR')), 'hospitalized');
  await affect(server, token, ids.turkey, await person(server, token, citizen('TR')), 'safe');
  await server.api(token, 'POST', `/v1/incidents/${ids.turkey}/status`, { status: 'active' });
  await report(server, token, ids.turkey, 'One student in Inonu University hospital, stable. Consul on the way from Ankara.', 'medical', 'Malatya');
  await server.api(token, 'PUT', '/v1/countries/TR/risk', { level: 2, reason: 'Earthquake aftermath in the south-east' });

  await shift('-50m');
  ids.thai = await openIncident(server, token, {
    kind: 'detention',
    title: 'Tour guide detained at Suvarnabhumi immigration',
    country: 'TH',
    severity: 3,
    place: 'Bangkok',
    lat: 13.69,
    lon: 100.75,
  });
  await affect(server, token, ids.thai, await person(server, token, citizen('TH')), 'detained');
  await server.api(token, 'POST', `/v1/incidents/${ids.thai}/lead`, { subject: 'wu.hao' });

  ids.peru = await openIncident(server, token, {
    kind: 'missing_person',
    title: 'Two hikers overdue on the Salkantay trek',
    country: 'PE',
    severity: 3,
    place: 'Cusco region',
    lat: -13.33,
    lon: -72.54,
  });
  await affect(server, token, ids.peru, await person(server, token, citizen('PE')), 'missing');
  await affect(server, token, ids.peru, await person(server, token, citizen('PE')), 'missing');
  await report(server, token, ids.peru, 'Park rangers searching from Soraypampa; helicopter at first light.', 'situation', 'Soraypampa');

  await shift('-25m');
  await move(server, ids.evacSudan, ids.convoy1, 'arrive');
  await report(server, token, ids.sudan, 'Embassy generator running; satellite phone checks every 2 h with the 3 unaccounted.', 'contact', 'Khartoum');
  await report(server, token, ids.thai, 'Consular officer admitted to the detention room; citizen well, visa overstay alleged.', 'welfare', 'Suvarnabhumi');

  await shift(null);
  return ids;
}

// Phase two: what happened later in the day.
async function seedPhaseTwo(server, token, ids) {
  ids.nepal = await openIncident(server, token, {
    kind: 'accident',
    title: 'Tour bus off the road near Mugling',
    country: 'NP',
    severity: 4,
    place: 'Mugling, Chitwan',
    lat: 27.85,
    lon: 84.56,
  });
  await affect(server, token, ids.nepal, await person(server, token, citizen('NP')), 'injured');
  await affect(server, token, ids.nepal, await person(server, token, citizen('NP')), 'injured');
  await affect(server, token, ids.nepal, await person(server, token, citizen('NP')), 'hospitalized');
  await affect(server, token, ids.nepal, await person(server, token, citizen('NP')), 'deceased');
  await server.api(token, 'POST', `/v1/incidents/${ids.nepal}/tasks`, {
    title: 'Call the families of the injured',
    due_at: iso(Date.now() + 2000),
  });
  await report(server, token, ids.nepal, 'Bus carrying 31 tourists left the highway into the Trishuli river. 3 citizens in Bharatpur hospital.', 'medical', 'Bharatpur');

  ids.japan = await openIncident(server, token, {
    kind: 'medical',
    title: 'Elderly tourist, stroke, Sapporo',
    country: 'JP',
    severity: 2,
    place: 'Sapporo',
    lat: 43.06,
    lon: 141.35,
  });

  await report(server, token, ids.sudan, 'First convoy reached Port Sudan; second convoy boarding at the Rotana.', 'logistics', 'Khartoum');
  for (const p of ids.convoy2People.slice(6, 8)) await board(server, ids.evacSudan, p, ids.convoy2);
  ids.evacLebanon = await openEvacuation(server, { country: 'LB', reason: 'Assisted departures on scheduled flights', assembly_points: ['Embassy, Beirut'], incident_id: ids.lebanon });
  ids.me570 = await scheduleTransport(server, ids.evacLebanon, { mode: 'flight', number: 'ME 570', from: 'BEY', to: 'DXB', departs_at: iso(Date.now() + 5 * 3600 * 1000), capacity: 8 });
  await evacuees(server, ids.evacLebanon, 'LB', 6, { checkedIn: 3, assigned: 3, transportId: ids.me570, point: 'Embassy, Beirut' });
  await report(server, token, ids.kidnap, 'Negotiator in place in Bamako.', 'contact', 'Bamako');
  await server.api(token, 'POST', `/v1/incidents/${ids.lebanon}/severity`, { severity: 5 });
  await server.api(token, 'PUT', '/v1/countries/LB/risk', { level: 4, reason: 'Leave now: commercial flights still operating' });
  await server.api(token, 'POST', `/v1/incidents/${ids.nigeria}/close`, { reason: 'Emergency travel documents issued.' });
  return ids;
}

module.exports = { PII, RESTRICTED, seedPhaseOne, seedPhaseTwo, citizen, person, openIncident, report, affect, iso, openEvacuation, scheduleTransport, evacuees, board, move };
