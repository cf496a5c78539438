#!/usr/bin/env node
// Starts a Homeward server with the tests' realistic scenario and prints a wall URL,
// for looking at the wall display by hand:  node tests/browser/demo.js
// Stops the server on Ctrl-C.

'use strict';

const { Server } = require('./lib/harness');
const { seedPhaseOne, seedPhaseTwo } = require('./lib/scenario');

(async () => {
  const server = await Server.create();
  const duty = server.token('duty_officer', 'demo.duty');
  const ids = await seedPhaseOne(server, duty, { shiftTime: true });
  await seedPhaseTwo(server, duty, ids);
  const wall = server.token('wall_display', 'crisis-room-wall');
  console.log(`data dir: ${server.dataDir}`);
  console.log(`duty officer token: ${duty}`);
  console.log(`wall: ${server.base}/?token=${wall}`);
  const stop = async () => {
    await server.destroy();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
