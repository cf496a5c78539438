//! The material the demo scenario is made of: names, places, carriers and the words
//! officers write. Everything here is static; the story picks from it with its seeded
//! generator.

use homeward_domain::incident::{AffectedStatus, IncidentKind};

/// A named place with coordinates.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub name: &'static str,
    pub lat: f64,
    pub lon: f64,
}

const fn p(name: &'static str, lat: f64, lon: f64) -> Place {
    Place { name, lat, lon }
}

/// A ship or boat an evacuation can charter.
#[derive(Debug, Clone, Copy)]
pub struct Ship {
    pub carrier: &'static str,
    pub number: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub capacity: u32,
}

/// A country our citizens have to leave: the heart of one scale unit.
#[derive(Debug)]
pub struct Theatre {
    pub code: &'static str,
    pub name: &'static str,
    pub capital: &'static str,
    /// The embassy's part of officers' subjects: `embassy.<post>.<name>`.
    pub post: &'static str,
    pub lat: f64,
    pub lon: f64,
    /// The country calling code for local phone numbers.
    pub phone: &'static str,
    /// What is happening, as a clause: "fighting between ... in Khartoum".
    pub crisis: &'static str,
    pub risk3: &'static str,
    pub risk4: &'static str,
    /// Why the evacuation incident went to severity 5.
    pub escalation: &'static str,
    pub districts: &'static [Place],
    pub assembly_points: &'static [&'static str],
    pub airfield: &'static str,
    pub destinations: &'static [&'static str],
    /// Bus routes out: (from, to).
    pub overland: &'static [(&'static str, &'static str)],
    pub bus_carriers: &'static [&'static str],
    pub ship: Option<Ship>,
    /// Neighbouring countries rated as the crisis spreads: (code, level, reason).
    pub neighbours: &'static [(&'static str, u8, &'static str)],
    /// Names of local spouses (a few evacuees are not our nationals).
    pub local_names: &'static [&'static str],
    pub media: &'static [&'static str],
}

pub const THEATRES: &[Theatre] = &[
    Theatre {
        code: "SD",
        name: "Sudan",
        capital: "Khartoum",
        post: "khartoum",
        lat: 15.5007,
        lon: 32.5599,
        phone: "+249",
        crisis: "fighting between the Sudanese Armed Forces and the Rapid Support Forces in Khartoum",
        risk3: "Armed clashes in Khartoum and Merowe; avoid all travel to Sudan and keep a low profile if already there.",
        risk4: "Heavy fighting has spread across Khartoum, Bahri and Omdurman; the airport is closed. Do not travel. Citizens in Sudan should leave through the embassy's evacuation as soon as they are called forward.",
        escalation: "Khartoum airport shelled and fighting reached Al-Amarat, two streets from the embassy",
        districts: &[
            p("Al-Riyadh", 15.573, 32.565),
            p("Al-Amarat", 15.579, 32.551),
            p("Bahri", 15.633, 32.533),
            p("Omdurman", 15.645, 32.478),
            p("Al-Mogran", 15.606, 32.508),
            p("Kafouri", 15.655, 32.565),
            p("Soba", 15.52, 32.63),
            p("Jabra", 15.53, 32.52),
        ],
        assembly_points: &[
            "Embassy compound, Al-Riyadh",
            "Corinthia Hotel, Al-Mogran",
            "Friendship Hall, Nile Street",
            "China Road and Bridge camp, Soba",
            "Kafouri sports club",
            "University of Khartoum, main gate",
        ],
        airfield: "Wadi Seidna Air Base (Omdurman)",
        destinations: &["Jeddah (JED)", "Djibouti (JIB)", "Cairo (CAI)"],
        overland: &[
            ("Friendship Hall, Khartoum", "Port Sudan seaport"),
            (
                "Khartoum, Soba",
                "Gallabat-Metema border crossing (Ethiopia)",
            ),
            ("Khartoum, Bahri", "Argeen border crossing (Egypt)"),
        ],
        bus_carriers: &["Khartoum Express Coaches", "Nile Valley Transport"],
        ship: Some(Ship {
            carrier: "PLA Navy frigate Nanning",
            number: "Hull 153 voyage 1",
            from: "Port Sudan, South Quay",
            to: "Jeddah Islamic Port",
            capacity: 480,
        }),
        neighbours: &[
            (
                "TD",
                3,
                "Armed groups and refugee movements along the eastern border with Sudan; avoid the Ouaddai region.",
            ),
            (
                "SS",
                3,
                "Fighting in Sudan has cut fuel and food supplies; rising insecurity in Upper Nile.",
            ),
            (
                "ET",
                3,
                "Clashes in the Amhara region near the Metema crossing; overland travel only with an escort.",
            ),
        ],
        local_names: &[
            "Amal Hassan Osman",
            "Fatima Abdelrahman",
            "Mohamed Ali Ibrahim",
            "Sara Elfadil",
            "Hiba Mustafa Ahmed",
        ],
        media: &["Sudan Tribune", "Radio Dabanga", "Al-Sudani"],
    },
    Theatre {
        code: "LY",
        name: "Libya",
        capital: "Tripoli",
        post: "tripoli",
        lat: 32.8872,
        lon: 13.1913,
        phone: "+218",
        crisis: "heavy fighting between rival armed groups in Tripoli",
        risk3: "Clashes between armed groups in Tripoli; avoid all travel to Libya.",
        risk4: "Fighting with heavy weapons in central Tripoli and around Mitiga airport. Do not travel. Citizens in Libya should register with the embassy and leave when called forward.",
        escalation: "Mitiga airport hit by rocket fire and clashes reached Souq al-Juma",
        districts: &[
            p("Souq al-Juma", 32.90, 13.23),
            p("Tajoura", 32.88, 13.35),
            p("Abu Salim", 32.86, 13.17),
            p("Ain Zara", 32.80, 13.25),
            p("Janzour", 32.82, 12.99),
            p("Gargaresh", 32.85, 13.10),
            p("Hay Al-Andalus", 32.87, 13.13),
        ],
        assembly_points: &[
            "Embassy residence, Hay Al-Andalus",
            "Radisson Blu Al Mahary Hotel",
            "China State Construction camp, Janzour",
            "Tripoli Port passenger terminal",
            "Mitiga airport car park",
        ],
        airfield: "Mitiga International (MJI)",
        destinations: &["Malta (MLA)", "Tunis-Carthage (TUN)", "Istanbul (IST)"],
        overland: &[
            ("Tripoli, Janzour", "Ras Ajdir border crossing (Tunisia)"),
            (
                "Tripoli, Gargaresh",
                "Dehiba-Wazin border crossing (Tunisia)",
            ),
        ],
        bus_carriers: &["Al-Nasr Transport", "Tripoli Coach Company"],
        ship: Some(Ship {
            carrier: "COSCO chartered ferry Xiang Yun Kou",
            number: "Voyage TIP-01",
            from: "Tripoli Port",
            to: "Valletta Grand Harbour",
            capacity: 560,
        }),
        neighbours: &[
            (
                "TN",
                2,
                "Border crossings with Libya overwhelmed; expect long closures at Ras Ajdir.",
            ),
            (
                "NE",
                3,
                "Armed smuggling networks active across the northern border with Libya.",
            ),
            (
                "TD",
                3,
                "Armed groups crossing from southern Libya into Tibesti; avoid the north.",
            ),
        ],
        local_names: &[
            "Amina Ben Ali",
            "Khaled Elmahdi",
            "Salma Abushagur",
            "Nour Zintani",
        ],
        media: &["Libya Observer", "Al-Wasat", "Libya Al-Ahrar TV"],
    },
    Theatre {
        code: "LB",
        name: "Lebanon",
        capital: "Beirut",
        post: "beirut",
        lat: 33.8938,
        lon: 35.5018,
        phone: "+961",
        crisis: "escalating air strikes on Beirut's southern suburbs and the south of Lebanon",
        risk3: "Air strikes in the south of Lebanon and Beirut's southern suburbs; avoid all travel to Lebanon.",
        risk4: "Air strikes now hit Beirut and the road to the airport; commercial flights are cancelled. Do not travel. Citizens in Lebanon should leave by the flights and ships the embassy arranges.",
        escalation: "strikes hit Dahieh and the airport road; commercial airlines suspended all flights",
        districts: &[
            p("Hamra", 33.896, 35.482),
            p("Achrafieh", 33.887, 35.521),
            p("Dahieh", 33.85, 35.50),
            p("Verdun", 33.884, 35.484),
            p("Jounieh", 33.98, 35.62),
            p("Sidon", 33.56, 35.37),
            p("Tyre", 33.27, 35.20),
        ],
        assembly_points: &[
            "Embassy, Ramlet al-Baida",
            "Phoenicia Hotel, Minet el-Hosn",
            "Beirut Port, Gate 9",
            "Jounieh Port terminal",
            "Chinese chamber of commerce, Verdun",
        ],
        airfield: "Beirut-Rafic Hariri (BEY)",
        destinations: &["Larnaca (LCA)", "Istanbul (IST)", "Beijing Capital (PEK)"],
        overland: &[("Beirut, Hamra", "Masnaa border crossing (Syria)")],
        bus_carriers: &["Lebanese Commuting Company"],
        ship: Some(Ship {
            carrier: "Chartered ferry Rhodes Star",
            number: "Voyage BEY-LIM 1",
            from: "Beirut Port",
            to: "Limassol Port",
            capacity: 620,
        }),
        neighbours: &[
            (
                "SY",
                4,
                "Air strikes near the Masnaa crossing; the road to Damascus may close without notice.",
            ),
            (
                "JO",
                2,
                "Regional escalation; airspace closures possible at short notice.",
            ),
            (
                "CY",
                1,
                "Ferry and flight arrivals from Lebanon; no change to the security situation.",
            ),
        ],
        local_names: &["Rima Haddad", "Nadine Khoury", "Karim Saad", "Layla Nassar"],
        media: &["L'Orient-Le Jour", "An-Nahar", "LBCI"],
    },
    Theatre {
        code: "NE",
        name: "Niger",
        capital: "Niamey",
        post: "niamey",
        lat: 13.5116,
        lon: 2.1254,
        phone: "+227",
        crisis: "a military takeover in Niamey, with curfews and closed borders",
        risk3: "Soldiers have detained the president; curfew in Niamey. Avoid all travel to Niger.",
        risk4: "Borders and airspace closed, protests targeting foreign embassies, threat of regional military intervention. Do not travel. Citizens should register and be ready to leave at short notice.",
        escalation: "protesters attacked a foreign embassy and the junta announced the borders stay closed",
        districts: &[
            p("Plateau", 13.525, 2.10),
            p("Koira Kano", 13.54, 2.11),
            p("Yantala", 13.53, 2.08),
            p("Lazaret", 13.55, 2.12),
            p("Harobanda", 13.49, 2.12),
            p("Gamkalley", 13.50, 2.13),
        ],
        assembly_points: &[
            "Embassy compound, Plateau",
            "Hotel Gaweye",
            "CNPC compound, Koira Kano",
            "Palais des Congres car park",
        ],
        airfield: "Niamey Diori Hamani (NIM)",
        destinations: &["Abidjan (ABJ)", "Casablanca (CMN)", "Addis Ababa (ADD)"],
        overland: &[
            ("Niamey, Harobanda", "Malanville border post (Benin)"),
            ("Niamey, Koira Kano", "Dosso, then Gaya border post (Benin)"),
        ],
        bus_carriers: &["Rimbo Transport Voyageurs", "STM Niger"],
        ship: None,
        neighbours: &[
            (
                "ML",
                4,
                "Armed group attacks in the Menaka and Tillaberi border zone are spreading.",
            ),
            (
                "BF",
                4,
                "Attacks on convoys near the border with Niger; do not travel by road.",
            ),
            (
                "BJ",
                2,
                "Border with Niger closed; long delays and occasional tension at Malanville.",
            ),
        ],
        local_names: &[
            "Aissata Moussa",
            "Hadiza Abdou",
            "Ibrahim Soumana",
            "Mariama Hama",
        ],
        media: &["ActuNiger", "Tele Sahel", "Le Sahel"],
    },
    Theatre {
        code: "YE",
        name: "Yemen",
        capital: "Aden",
        post: "aden",
        lat: 12.7855,
        lon: 45.0187,
        phone: "+967",
        crisis: "street fighting in Aden and air strikes across the country",
        risk3: "Fighting around Aden; all travel to Yemen is advised against.",
        risk4: "Street fighting in Crater and Khor Maksar, air strikes across the country, airports closed. Do not travel. Citizens must leave by the ships and flights the consulate arranges.",
        escalation: "shelling reached Khor Maksar and Aden airport closed",
        districts: &[
            p("Crater", 12.78, 45.03),
            p("Khor Maksar", 12.82, 45.03),
            p("Al Mansoura", 12.86, 44.98),
            p("Sheikh Othman", 12.87, 45.00),
            p("Al Tawahi", 12.79, 44.97),
            p("Al Mualla", 12.79, 44.99),
            p("Al Buraiqa", 12.75, 44.88),
        ],
        assembly_points: &[
            "Consulate General, Khor Maksar",
            "Aden Port, Al Mualla wharf",
            "Coral Hotel, Khor Maksar",
            "Aden Refinery gate, Al Buraiqa",
        ],
        airfield: "Aden International (ADE)",
        destinations: &["Djibouti (JIB)", "Muscat (MCT)", "Cairo (CAI)"],
        overland: &[("Aden, Al Mansoura", "Shahan border crossing (Oman)")],
        bus_carriers: &["Aden Land Transport"],
        ship: Some(Ship {
            carrier: "PLA Navy frigate Linyi",
            number: "Hull 547 voyage 1",
            from: "Aden Port, Al Mualla wharf",
            to: "Djibouti Port",
            capacity: 450,
        }),
        neighbours: &[
            (
                "DJ",
                2,
                "Arrival point for evacuees from Yemen; port and airport congested.",
            ),
            (
                "SA",
                3,
                "Cross-border missile and drone attacks on the southern provinces.",
            ),
            (
                "OM",
                2,
                "Crowds at the Shahan crossing from Yemen; expect long waits.",
            ),
        ],
        local_names: &["Arwa Saleh", "Mona Al-Aulaqi", "Nabil Haidar"],
        media: &["Aden al-Ghad", "Al-Masdar Online", "Yemen Monitor"],
    },
    Theatre {
        code: "MM",
        name: "Myanmar",
        capital: "Lashio",
        post: "mandalay",
        lat: 22.9359,
        lon: 97.7498,
        phone: "+95",
        crisis: "fighting in northern Shan State between ethnic armed alliances and the military",
        risk3: "Fighting in northern Shan State; avoid all travel to Lashio, Muse, Laukkaing and Kutkai.",
        risk4: "Fighting has reached Lashio and the roads to the Chinese border are cut at times. Do not travel to northern Shan State. Citizens there should go to the assembly points and leave with the consulate's convoys.",
        escalation: "artillery hit Lashio and the Muse road was cut at Kutkai",
        districts: &[
            p("Lashio", 22.93, 97.75),
            p("Laukkaing", 23.69, 98.76),
            p("Muse", 23.99, 97.90),
            p("Hsenwi", 23.30, 97.97),
            p("Kutkai", 23.45, 97.93),
            p("Hsipaw", 22.62, 97.30),
        ],
        assembly_points: &[
            "Lashio Chinese school",
            "Consulate liaison office, Lashio",
            "Yunnan chamber of commerce hall, Lashio",
            "Lashio airport terminal",
            "Hsenwi township hall",
        ],
        airfield: "Lashio airport (LSH)",
        destinations: &["Kunming Changshui (KMG)", "Mandalay (MDL)", "Yangon (RGN)"],
        overland: &[
            ("Lashio", "Muse-Ruili border gate (China)"),
            ("Laukkaing", "Chinshwehaw-Nansan border gate (China)"),
            ("Hsenwi", "Muse-Ruili border gate (China)"),
        ],
        bus_carriers: &["Shwe Mandalar Express", "Lashio-Muse highway coaches"],
        ship: None,
        neighbours: &[
            (
                "TH",
                2,
                "Refugee arrivals and raids on scam compounds along the border with Myanmar in Tak province.",
            ),
            (
                "LA",
                2,
                "Armed incidents on the Mekong near the Golden Triangle; avoid river travel.",
            ),
        ],
        local_names: &["Nang Hseng", "Aye Aye Myint", "Sai Kham Leng"],
        media: &["The Irrawaddy", "Myanmar Now", "Shan Herald"],
    },
    Theatre {
        code: "SS",
        name: "South Sudan",
        capital: "Juba",
        post: "juba",
        lat: 4.8594,
        lon: 31.5713,
        phone: "+211",
        crisis: "heavy fighting in Juba between rival forces",
        risk3: "Clashes between rival forces in Juba; avoid all travel to South Sudan.",
        risk4: "Tanks and helicopter gunships in use in Juba; the airport closes at short notice. Do not travel. Citizens should register with the embassy and go to the assembly points when called.",
        escalation: "fighting around Jebel and the UN base, with shells falling near the embassy",
        districts: &[
            p("Tongping", 4.86, 31.59),
            p("Gudele", 4.87, 31.55),
            p("Munuki", 4.87, 31.57),
            p("Jebel", 4.83, 31.55),
            p("Hai Malakal", 4.85, 31.60),
            p("Kator", 4.84, 31.59),
        ],
        assembly_points: &[
            "Embassy compound, Tongping",
            "Pyramid Continental Hotel",
            "CNPC camp, Jebel",
            "Juba International Airport, VIP terminal",
        ],
        airfield: "Juba International (JUB)",
        destinations: &["Nairobi (NBO)", "Entebbe (EBB)", "Addis Ababa (ADD)"],
        overland: &[("Juba, Kator", "Nimule-Elegu border crossing (Uganda)")],
        bus_carriers: &["Gateway Bus Service", "Baby Coach"],
        ship: None,
        neighbours: &[
            (
                "UG",
                2,
                "Refugee arrivals at Elegu; border towns congested.",
            ),
            (
                "CD",
                3,
                "Armed groups active along the border with South Sudan in Haut-Uele.",
            ),
        ],
        local_names: &["Nyandeng Deng", "Achol Garang", "Lual Mayen"],
        media: &["Radio Tamazuj", "Eye Radio", "Juba Monitor"],
    },
    Theatre {
        code: "CF",
        name: "the Central African Republic",
        capital: "Bangui",
        post: "bangui",
        lat: 4.3947,
        lon: 18.5582,
        phone: "+236",
        crisis: "armed groups advancing on Bangui after attacks on mining sites",
        risk3: "Attacks on mining sites and on the main roads; avoid all travel outside Bangui.",
        risk4: "Armed groups on the outskirts of Bangui; roads to Cameroon cut. Do not travel. Citizens should leave through the embassy's flights and convoys.",
        escalation: "armed groups took Damara and fighting reached the PK12 checkpoint",
        districts: &[
            p("PK5", 4.37, 18.54),
            p("Boy-Rabe", 4.40, 18.54),
            p("Bimbo", 4.31, 18.52),
            p("Gobongo", 4.42, 18.56),
            p("Lakouanga", 4.36, 18.57),
            p("Combattant", 4.40, 18.52),
        ],
        assembly_points: &[
            "Embassy, Avenue des Martyrs",
            "Ledger Plaza Hotel",
            "Bangui M'Poko airport apron",
            "Mining company camp, Bimbo",
        ],
        airfield: "Bangui M'Poko (BGF)",
        destinations: &[
            "Douala (DLA)",
            "Yaounde Nsimalen (NSI)",
            "Addis Ababa (ADD)",
        ],
        overland: &[("Bangui, Bimbo", "Garoua-Boulai border crossing (Cameroon)")],
        bus_carriers: &["Transport Ouaka", "Bangui Voyages"],
        ship: Some(Ship {
            carrier: "Chartered river barge Ubangi II",
            number: "Crossing 1",
            from: "Bangui river port",
            to: "Zongo (DR Congo)",
            capacity: 300,
        }),
        neighbours: &[
            (
                "CM",
                3,
                "Armed groups active along the border with the Central African Republic in the East region.",
            ),
            (
                "TD",
                3,
                "Cross-border raids in the south near the border with the Central African Republic.",
            ),
        ],
        local_names: &["Grace Yakende", "Prisca Ngaba", "Jean-Claude Mbokani"],
        media: &["Radio Ndeke Luka", "Corbeau News", "Oubangui Medias"],
    },
];

/// Airlines that fly charters, with their flight number prefixes.
pub const AIRLINES: &[(&str, &str)] = &[
    ("Air China", "CA"),
    ("China Eastern Airlines", "MU"),
    ("China Southern Airlines", "CZ"),
    ("Hainan Airlines", "HU"),
    ("Sichuan Airlines", "3U"),
    ("Ethiopian Airlines (charter)", "ET"),
];

/// Seats of the aircraft the airlines charter.
pub const FLIGHT_SEATS: &[u32] = &[158, 164, 168, 174, 180, 186, 220, 236, 264, 280, 300];

pub const SURNAMES: &[&str] = &[
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma",
    "Zhu", "Hu", "Guo", "He", "Gao", "Lin", "Luo", "Zheng", "Liang", "Xie", "Song", "Tang", "Han",
    "Feng", "Deng", "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong", "Pan", "Yuan", "Cai", "Jiang",
    "Yu", "Du", "Ye", "Cheng", "Wei", "Su", "Lyu", "Ding", "Ren", "Lu", "Yao", "Shen", "Zhong",
    "Cui", "Tan", "Fan", "Liao", "Shi", "Jin", "Jia", "Xia", "Fu", "Fang", "Zou", "Xiong", "Bai",
    "Meng", "Qin", "Qiu", "Hou", "Yin", "Xue", "Yan", "Duan", "Lei", "Long", "Tao", "Mao", "Hao",
    "Gu", "Gong", "Shao", "Wan", "Qian", "Dai", "Mo", "Kong", "Xiang", "Chang", "Wen", "Niu",
    "Kang", "Yi", "Hong", "Shu", "Ou", "Lan", "Tong",
];

pub const MALE_GIVEN: &[&str] = &[
    "Wei",
    "Lei",
    "Qiang",
    "Jun",
    "Yong",
    "Jie",
    "Tao",
    "Ming",
    "Chao",
    "Hao",
    "Peng",
    "Bo",
    "Gang",
    "Hui",
    "Jian",
    "Bin",
    "Hai",
    "Long",
    "Feng",
    "Kai",
    "Xin",
    "Zhiqiang",
    "Weiming",
    "Jianhua",
    "Xiaolong",
    "Wenbo",
    "Tianyu",
    "Zhenyu",
    "Haoyu",
    "Minghui",
    "Jianjun",
    "Dawei",
    "Zhiwei",
    "Junjie",
    "Hongwei",
    "Jianping",
    "Yunfei",
    "Xiaodong",
    "Guangming",
    "Shaohua",
    "Chenglong",
    "Zhenhua",
    "Liang",
    "Rui",
    "Yang",
    "Dongsheng",
    "Haitao",
    "Xuefeng",
    "Jinlong",
    "Yuhang",
];

pub const FEMALE_GIVEN: &[&str] = &[
    "Fang", "Na", "Min", "Jing", "Li", "Yan", "Juan", "Xia", "Ling", "Ying", "Qin", "Mei", "Lan",
    "Ping", "Yun", "Xue", "Dan", "Lin", "Xiaomei", "Xiaoyan", "Lijuan", "Yuting", "Wenjing",
    "Jiayi", "Mengyao", "Yaqi", "Huimin", "Shumei", "Chunmei", "Lihua", "Hongyan", "Xiaoli",
    "Yanping", "Qian", "Lili", "Jingjing", "Ruolan", "Siqi", "Xinyue", "Yujie",
];

pub const CHILD_GIVEN: &[&str] = &[
    "Zihao", "Yuxuan", "Haoran", "Yichen", "Zimo", "Junhao", "Mingxuan", "Ruiqi", "Zixuan",
    "Yutong", "Xinyi", "Ruoxi", "Yinuo", "Keke", "Tongtong", "Xinran", "Jiaxin", "Yiming",
];

pub const ELDER_MALE_GIVEN: &[&str] = &[
    "Jianguo", "Guoqiang", "Zhiming", "Deshan", "Yongfu", "Fuxing", "Guohua", "Shuzhong",
];

pub const ELDER_FEMALE_GIVEN: &[&str] = &[
    "Guilan", "Xiuying", "Shuzhen", "Fengying", "Yulan", "Guizhi", "Xiulan", "Suzhen",
];

/// Home provinces, for texts about families.
pub const PROVINCES: &[&str] = &[
    "Henan",
    "Shandong",
    "Hunan",
    "Sichuan",
    "Fujian",
    "Zhejiang",
    "Hubei",
    "Jiangsu",
    "Anhui",
    "Guangdong",
    "Hebei",
    "Yunnan",
    "Guangxi",
    "Jiangxi",
    "Shaanxi",
    "Liaoning",
];

/// Employers of citizens abroad.
pub const COMPANIES: &[&str] = &[
    "China Road and Bridge Corporation",
    "PowerChina",
    "China Harbour Engineering",
    "Sinohydro",
    "China Railway Construction",
    "CITIC Construction",
    "China Civil Engineering Construction",
    "CNPC",
    "China Geo-Engineering",
    "Weichai Power",
    "a textile trading company from Yiwu",
    "a family-run restaurant",
];

pub const RELATIONS_PARENT: &[&str] = &["mother", "father"];
pub const RELATIONS_OTHER: &[&str] = &[
    "wife",
    "husband",
    "sister",
    "brother",
    "son",
    "daughter",
    "cousin",
    "colleague",
    "employer",
];

pub const HQ_DUTY: &[&str] = &[
    "hq.duty.zhao.min",
    "hq.duty.sun.hao",
    "hq.duty.qian.lin",
    "hq.duty.zhou.yue",
    "hq.duty.wu.dan",
    "hq.duty.zheng.kai",
];

pub const HQ_HOTLINE: &[&str] = &[
    "hotline.li.na",
    "hotline.wang.fang",
    "hotline.chen.jing",
    "hotline.liu.yang",
    "hotline.zhang.min",
    "hotline.yang.xue",
    "hotline.huang.lei",
    "hotline.zhao.yan",
];

pub const HQ_CASE_TEAM: &[&str] = &[
    "caseteam.han.bo",
    "caseteam.feng.jie",
    "caseteam.deng.hui",
    "caseteam.cao.yu",
    "caseteam.peng.lin",
    "caseteam.xiao.ming",
];

/// A kidnapping as it first reaches the hotline.
#[derive(Debug)]
pub struct KidnapCase {
    pub country: &'static str,
    pub post: &'static str,
    pub place: Place,
    pub region: &'static str,
    pub site: &'static str,
    pub captors: &'static str,
    pub language: &'static str,
    pub currency: &'static str,
    /// Ransom range in whole units of the currency.
    pub ransom: (u64, u64),
    pub police: &'static str,
}

pub const KIDNAPPINGS: &[KidnapCase] = &[
    KidnapCase {
        country: "NG",
        post: "consulate.lagos",
        place: p("Ahoada, Rivers State", 5.08, 6.65),
        region: "the Niger Delta",
        site: "road construction site",
        captors: "armed men in two speedboats",
        language: "Pidgin English",
        currency: "NGN",
        ransom: (150_000_000, 500_000_000),
        police: "Rivers State police command",
    },
    KidnapCase {
        country: "NG",
        post: "embassy.abuja",
        place: p("Kaduna-Abuja highway near Katari", 9.80, 7.20),
        region: "Kaduna State",
        site: "company minibus on the highway",
        captors: "a gang armed with rifles",
        language: "Hausa",
        currency: "NGN",
        ransom: (100_000_000, 300_000_000),
        police: "Kaduna State police command",
    },
    KidnapCase {
        country: "ML",
        post: "embassy.bamako",
        place: p("Gold mining site near Keniéba", 12.84, -11.24),
        region: "the Kayes region",
        site: "gold mining site",
        captors: "armed men on motorbikes",
        language: "Fulfulde",
        currency: "XOF",
        ransom: (60_000_000, 300_000_000),
        police: "gendarmerie in Kayes",
    },
    KidnapCase {
        country: "CD",
        post: "embassy.kinshasa",
        place: p("Mining concession near Mwenga, South Kivu", -3.00, 28.43),
        region: "South Kivu",
        site: "mining concession",
        captors: "a militia group",
        language: "Swahili",
        currency: "USD",
        ransom: (200_000, 1_500_000),
        police: "provincial police in Bukavu",
    },
    KidnapCase {
        country: "CM",
        post: "embassy.yaounde",
        place: p("Fishing camp off the Bakassi peninsula", 4.60, 8.90),
        region: "the Bakassi peninsula",
        site: "fishing boat",
        captors: "sea pirates",
        language: "Pidgin English",
        currency: "XAF",
        ransom: (50_000_000, 250_000_000),
        police: "gendarmerie in Buea",
    },
    KidnapCase {
        country: "ET",
        post: "embassy.addisababa",
        place: p("Road project near Dembi Dolo, Oromia", 8.53, 34.80),
        region: "western Oromia",
        site: "road project camp",
        captors: "an armed group",
        language: "Afaan Oromo",
        currency: "USD",
        ransom: (100_000, 800_000),
        police: "regional police in Nekemte",
    },
    KidnapCase {
        country: "PH",
        post: "embassy.manila",
        place: p("Zamboanga City, Mindanao", 6.92, 122.08),
        region: "western Mindanao",
        site: "hardware shop",
        captors: "a kidnap-for-ransom gang",
        language: "Tausug",
        currency: "PHP",
        ransom: (5_000_000, 30_000_000),
        police: "Anti-Kidnapping Group of the national police",
    },
    KidnapCase {
        country: "MZ",
        post: "embassy.maputo",
        place: p("Timber camp near Macomia, Cabo Delgado", -11.98, 40.14),
        region: "Cabo Delgado",
        site: "timber camp",
        captors: "insurgents",
        language: "Kimwani",
        currency: "USD",
        ransom: (150_000, 1_000_000),
        police: "provincial police in Pemba",
    },
];

/// A detention as it first reaches the hotline.
#[derive(Debug)]
pub struct DetentionCase {
    pub country: &'static str,
    pub post: &'static str,
    pub place: Place,
    pub authority: &'static str,
    pub facility: &'static str,
    pub charge: &'static str,
}

pub const DETENTIONS: &[DetentionCase] = &[
    DetentionCase {
        country: "AE",
        post: "consulate.dubai",
        place: p("Dubai International Airport", 25.2532, 55.3657),
        authority: "Dubai Customs",
        facility: "Al Awir central prison",
        charge: "carrying prescription medicine without a permit",
    },
    DetentionCase {
        country: "TH",
        post: "embassy.bangkok",
        place: p("Pattaya, Chonburi", 12.93, 100.88),
        authority: "the immigration police",
        facility: "Immigration Detention Center, Suan Phlu",
        charge: "overstaying a tourist visa by 94 days",
    },
    DetentionCase {
        country: "PH",
        post: "embassy.manila",
        place: p("Pasay City, Metro Manila", 14.54, 121.00),
        authority: "the Presidential Anti-Organized Crime Commission",
        facility: "Bureau of Immigration warden facility, Camp Bagong Diwa",
        charge: "working for an unlicensed offshore gaming operator",
    },
    DetentionCase {
        country: "MY",
        post: "embassy.kualalumpur",
        place: p("Bukit Jalil, Kuala Lumpur", 3.06, 101.69),
        authority: "the Immigration Department",
        facility: "Bukit Jalil immigration depot",
        charge: "working on a social visit pass",
    },
    DetentionCase {
        country: "ID",
        post: "embassy.jakarta",
        place: p("Morowali industrial park, Central Sulawesi", -2.83, 122.16),
        authority: "the regional police",
        facility: "Morowali police command",
        charge: "involvement in a brawl at the smelter site",
    },
    DetentionCase {
        country: "KE",
        post: "embassy.nairobi",
        place: p("Kilimani, Nairobi", -1.29, 36.78),
        authority: "the Directorate of Criminal Investigations",
        facility: "Kilimani police station",
        charge: "work-permit irregularities",
    },
    DetentionCase {
        country: "ZA",
        post: "consulate.johannesburg",
        place: p("Cyrildene, Johannesburg", -26.18, 28.09),
        authority: "the South African Police Service",
        facility: "Johannesburg Central police station",
        charge: "selling counterfeit goods",
    },
    DetentionCase {
        country: "ZM",
        post: "embassy.lusaka",
        place: p("Chambishi, Copperbelt", -12.65, 28.06),
        authority: "the Zambia Police",
        facility: "Kitwe remand prison",
        charge: "a fatal safety accident at the mine",
    },
];

/// Another incident: a disaster, unrest, an accident, an illness, a missing person.
#[derive(Debug)]
pub struct OtherCase {
    pub kind: IncidentKind,
    pub country: &'static str,
    pub post: &'static str,
    pub place: Place,
    pub severity: u8,
    pub title: &'static str,
    pub summary: &'static str,
    /// How many citizens are affected.
    pub persons: (usize, usize),
    pub first_status: AffectedStatus,
    pub reports: &'static [&'static str],
    pub tasks: &'static [&'static str],
    pub close: &'static str,
    pub risk: Option<(u8, &'static str)>,
}

pub const OTHERS: &[OtherCase] = &[
    OtherCase {
        kind: IncidentKind::NaturalDisaster,
        country: "NP",
        post: "embassy.kathmandu",
        place: p("Jajarkot district", 28.84, 82.19),
        severity: 4,
        title: "Magnitude 6.4 earthquake in western Nepal; trekkers unaccounted",
        summary: "Strong earthquake at night in Jajarkot; landslides block the roads. Several citizens on trekking routes not reachable.",
        persons: (4, 9),
        first_status: AffectedStatus::Unaccounted,
        reports: &[
            "Consular team reached {place} by helicopter with the army; {n} citizens found in a guesthouse, safe.",
            "Road to {place} still blocked by landslides; the army expects to reopen one lane tomorrow.",
            "Two citizens with fractures taken to the provincial hospital in Surkhet; stable.",
            "Phone networks partly restored; {n} more citizens called the embassy to say they are safe.",
            "Aftershock of magnitude 5.1 this morning; trekking agencies suspend all departures.",
        ],
        tasks: &[
            "Obtain the trekking permit list for Jajarkot from the tourism board",
            "Arrange a seat on the army helicopter for the consular officer",
            "Call the families of citizens not yet reached",
        ],
        close: "All citizens accounted for; the injured were discharged and flew home.",
        risk: Some((
            3,
            "Earthquake aftershocks and landslides in western Nepal; avoid trekking in Jajarkot and Rukum West.",
        )),
    },
    OtherCase {
        kind: IncidentKind::NaturalDisaster,
        country: "ID",
        post: "consulate.denpasar",
        place: p("Gili Trawangan, Lombok", -8.35, 116.04),
        severity: 3,
        title: "Earthquake near Lombok; tourists stranded on the Gili islands",
        summary: "Magnitude 6.9 earthquake north of Lombok; boats to the Gili islands suspended, tourists sleeping in the open.",
        persons: (5, 10),
        first_status: AffectedStatus::Unaccounted,
        reports: &[
            "Harbour master says boats from {place} to Bangsal resume at first light; priority for the injured.",
            "{n} citizens reached by phone on the islands; all safe, short of drinking water.",
            "One citizen with a head wound treated at the island clinic, now in Mataram hospital.",
            "Consular officer at Bangsal harbour with water and a list of arrivals.",
        ],
        tasks: &[
            "Place a consular officer at Bangsal harbour",
            "Agree seats on evacuation boats with the harbour master",
        ],
        close: "All tourists left the islands; none remain in hospital.",
        risk: None,
    },
    OtherCase {
        kind: IncidentKind::NaturalDisaster,
        country: "PH",
        post: "consulate.cebu",
        place: p("Cebu City", 10.31, 123.89),
        severity: 3,
        title: "Typhoon landfall over Cebu; ferries and flights suspended",
        summary: "Super typhoon made landfall overnight; power out, ferries and flights suspended, students and tourists sheltering in hotels.",
        persons: (3, 7),
        first_status: AffectedStatus::Unaccounted,
        reports: &[
            "Power and mobile data out across {place}; consulate reachable by satellite phone only.",
            "{n} students at the university dormitory reached; safe, water supply low.",
            "Airport reopened for daytime flights; airlines add extra sections to Manila.",
        ],
        tasks: &["Contact the university's international office for the list of students"],
        close: "All citizens reached and safe; flights operating normally.",
        risk: Some((
            2,
            "Typhoon damage in the Visayas; check ferry and flight status before travelling.",
        )),
    },
    OtherCase {
        kind: IncidentKind::NaturalDisaster,
        country: "JP",
        post: "consulate.niigata",
        place: p("Wajima, Noto Peninsula", 37.39, 136.90),
        severity: 4,
        title: "Noto Peninsula earthquake: technical trainees unaccounted in Wajima",
        summary: "Magnitude 7.5 earthquake and tsunami warning; fires in Wajima. Trainees at two seafood factories not answering.",
        persons: (4, 8),
        first_status: AffectedStatus::Unaccounted,
        reports: &[
            "The trainees' supervising organisation reports {n} trainees in a school gym used as a shelter, safe.",
            "Roads into {place} badly damaged; the prefecture asks volunteers not to come.",
            "One trainee with a crushed foot flown to Kanazawa University Hospital; stable.",
        ],
        tasks: &[
            "Get the list of trainees from the supervising organisation",
            "Ask the prefecture for shelter lists",
        ],
        close: "All trainees accounted for and relocated to Kanazawa by their employer.",
        risk: None,
    },
    OtherCase {
        kind: IncidentKind::NaturalDisaster,
        country: "MA",
        post: "embassy.rabat",
        place: p("Ijoukak, High Atlas", 31.06, -8.38),
        severity: 4,
        title: "Earthquake in the High Atlas south of Marrakesh",
        summary: "Magnitude 6.8 earthquake; villages destroyed south of Marrakesh. Tourist groups on mountain tours not yet reached.",
        persons: (3, 8),
        first_status: AffectedStatus::Unaccounted,
        reports: &[
            "Tour operator confirms {n} of our citizens back in Marrakesh, shaken but unhurt.",
            "Road to {place} open to emergency vehicles only.",
            "Medina of Marrakesh: old buildings damaged, tourists told to stay out of the narrow streets.",
        ],
        tasks: &["Check the tour operators' passenger lists"],
        close: "All citizens accounted for; no casualties among our nationals.",
        risk: Some((
            2,
            "Earthquake damage and aftershocks in the High Atlas; avoid mountain villages south of Marrakesh.",
        )),
    },
    OtherCase {
        kind: IncidentKind::CivilUnrest,
        country: "KE",
        post: "embassy.nairobi",
        place: p("Nairobi CBD, Luthuli Avenue", -1.284, 36.827),
        severity: 3,
        title: "Protests in central Nairobi; shops looted on Luthuli Avenue",
        summary: "Protests against the finance bill turned violent; shops owned by our citizens looted in the city centre.",
        persons: (2, 5),
        first_status: AffectedStatus::Unaccounted,
        reports: &[
            "Police used tear gas on Moi Avenue; traders advised to keep shutters down until the evening.",
            "{n} traders from the wholesale market reached; one with cuts from broken glass, treated.",
            "Protests called again for Tuesday; the embassy sends an alert through the community groups.",
        ],
        tasks: &["Send a security alert to the community WeChat groups"],
        close: "Protests ended; the affected traders reopened their shops.",
        risk: Some((
            2,
            "Protests in Nairobi and other cities can turn violent; avoid demonstrations and the city centre on protest days.",
        )),
    },
    OtherCase {
        kind: IncidentKind::CivilUnrest,
        country: "BD",
        post: "embassy.dhaka",
        place: p("Dhaka, Mirpur", 23.81, 90.37),
        severity: 3,
        title: "Curfew in Dhaka after nationwide protests; factory staff confined",
        summary: "Nationwide protests; internet shut down and curfew with shoot-on-sight orders. Factory technicians confined to their dormitories.",
        persons: (3, 6),
        first_status: AffectedStatus::Unaccounted,
        reports: &[
            "Internet down across {place}; embassy relays messages through factory landlines.",
            "{n} technicians at the garment factory dormitory reached; food for a week.",
            "Curfew relaxed from 10:00 to 17:00 for shopping.",
        ],
        tasks: &["Reach every factory on the embassy's list by landline"],
        close: "Curfew lifted; internet restored; all citizens safe.",
        risk: Some((
            3,
            "Curfew and violent protests in Dhaka and other cities; avoid all non-essential travel to Bangladesh.",
        )),
    },
    OtherCase {
        kind: IncidentKind::CivilUnrest,
        country: "SB",
        post: "embassy.honiara",
        place: p("Honiara Chinatown", -9.43, 159.95),
        severity: 4,
        title: "Riots in Honiara Chinatown; shops set on fire",
        summary: "Rioters burned buildings in Chinatown; shopkeepers and families sheltering in the police headquarters.",
        persons: (4, 9),
        first_status: AffectedStatus::Unaccounted,
        reports: &[
            "{n} shopkeepers and their families sheltering at the police headquarters; no injuries.",
            "Several buildings in {place} burned down overnight; peacekeepers from the region arrive today.",
            "Embassy staff delivered food and water to the shelter.",
        ],
        tasks: &["Register every family sheltering at the police headquarters"],
        close: "Order restored; families back in their homes or with relatives.",
        risk: Some((3, "Riots in Honiara; avoid the city centre and Chinatown.")),
    },
    OtherCase {
        kind: IncidentKind::Accident,
        country: "PE",
        post: "embassy.lima",
        place: p(
            "Road to Machu Picchu near Santa Teresa, Cusco",
            -13.13,
            -72.59,
        ),
        severity: 3,
        title: "Tour bus overturned on the road to Machu Picchu",
        summary: "A tour minibus left the road near Santa Teresa; several tourists from our country among the injured.",
        persons: (3, 7),
        first_status: AffectedStatus::Injured,
        reports: &[
            "Injured taken to the regional hospital in Cusco; {n} of our citizens admitted, one in intensive care.",
            "Tour agency sending a representative with an interpreter to the hospital.",
            "Police investigation opened; the driver is in custody.",
        ],
        tasks: &[
            "Send an interpreter to the Cusco regional hospital",
            "Contact the travel insurer about medical repatriation",
        ],
        close: "All injured discharged or repatriated; insurer covers the costs.",
        risk: None,
    },
    OtherCase {
        kind: IncidentKind::Accident,
        country: "EG",
        post: "embassy.cairo",
        place: p("Hurghada-Safaga road", 27.10, 33.83),
        severity: 3,
        title: "Tourist coach collision near Hurghada",
        summary: "A coach carrying a tour group collided with a lorry; injured taken to Hurghada General Hospital.",
        persons: (4, 9),
        first_status: AffectedStatus::Injured,
        reports: &[
            "{n} of our citizens in Hurghada General Hospital; two need surgery.",
            "Tour operator arranging hotel rooms for relatives flying in.",
            "Consular officer from Cairo arrived at the hospital this morning.",
        ],
        tasks: &["Send a consular officer from Cairo to Hurghada"],
        close: "The injured were flown home; the tour group finished its trip.",
        risk: None,
    },
    OtherCase {
        kind: IncidentKind::Accident,
        country: "TH",
        post: "embassy.bangkok",
        place: p("Off Phuket, Andaman Sea", 7.78, 98.38),
        severity: 4,
        title: "Tourist boat capsized in a storm off Phuket",
        summary: "A tour boat capsized in a sudden storm; the navy and coast guard are searching for missing passengers.",
        persons: (4, 10),
        first_status: AffectedStatus::Missing,
        reports: &[
            "Coast guard rescued {n} more passengers; taken to Vachira Phuket Hospital.",
            "Search resumed at first light with two navy ships and a helicopter.",
            "Families arriving from home tonight; the embassy has arranged hotel rooms.",
        ],
        tasks: &[
            "Set up a family assistance desk at the hospital",
            "Obtain the boat's passenger list from the marine department",
        ],
        close: "Search ended; survivors discharged; the families are being assisted with the insurers.",
        risk: None,
    },
    OtherCase {
        kind: IncidentKind::Medical,
        country: "MV",
        post: "embassy.male",
        place: p("Resort island, Baa Atoll", 5.10, 73.00),
        severity: 2,
        title: "Tourist in cardiac arrest at a resort; airlifted to Male",
        summary: "A tourist collapsed while snorkelling; resuscitated and airlifted by seaplane to Indira Gandhi Memorial Hospital.",
        persons: (1, 1),
        first_status: AffectedStatus::Hospitalized,
        reports: &[
            "Patient in intensive care at Indira Gandhi Memorial Hospital; condition serious but stable.",
            "Insurer approved a medical escort flight once the doctors allow it.",
        ],
        tasks: &["Liaise with the insurer about the medical escort"],
        close: "Patient repatriated on a medical flight with a doctor.",
        risk: None,
    },
    OtherCase {
        kind: IncidentKind::Medical,
        country: "FR",
        post: "embassy.paris",
        place: p("Paris, Hopital Lariboisiere", 48.88, 2.35),
        severity: 2,
        title: "Elderly tourist suffers a stroke in Paris; family requests repatriation",
        summary: "A tour-group member had a stroke at the hotel; admitted to Lariboisiere. The family cannot afford the repatriation flight.",
        persons: (1, 1),
        first_status: AffectedStatus::Hospitalized,
        reports: &[
            "Doctors say the patient can fly in about ten days with a nurse.",
            "Tour agency's insurer covers the hospital costs but not the stretcher seat.",
        ],
        tasks: &["Help the family with the insurer and the airline's medical form"],
        close: "Patient repatriated with a nurse; costs settled by the insurer and the family.",
        risk: None,
    },
    OtherCase {
        kind: IncidentKind::MissingPerson,
        country: "NZ",
        post: "embassy.wellington",
        place: p("Tongariro Alpine Crossing", -39.13, 175.65),
        severity: 3,
        title: "Hiker missing on the Tongariro Alpine Crossing",
        summary: "A student set out on the crossing alone and did not return to the shuttle; police search and rescue activated.",
        persons: (1, 1),
        first_status: AffectedStatus::Missing,
        reports: &[
            "Search teams and a helicopter on the mountain since dawn; visibility poor.",
            "The student's phone last connected to a mast near Ketetahi at 15:40.",
        ],
        tasks: &["Keep the family informed twice a day"],
        close: "Found by the search team with hypothermia; treated and discharged.",
        risk: None,
    },
    OtherCase {
        kind: IncidentKind::MissingPerson,
        country: "TH",
        post: "consulate.chiangmai",
        place: p("Mae Sot, Tak province", 16.71, 98.57),
        severity: 4,
        title: "Young job-seekers missing after crossing to Myawaddy",
        summary: "Families report young people lured by online job offers who crossed from Mae Sot into Myanmar; likely held in a scam compound.",
        persons: (2, 4),
        first_status: AffectedStatus::Missing,
        reports: &[
            "Thai police say {n} foreigners handed over at the Friendship Bridge this week; checking names.",
            "One of the missing sent a message to his sister from an unknown number asking for help.",
            "Consular officer met the Tak immigration chief about the handover procedure.",
        ],
        tasks: &[
            "Share the missing persons' details with the Thai police",
            "Check the handover lists at the Friendship Bridge",
        ],
        close: "The young people were handed over at the Friendship Bridge and flown home.",
        risk: Some((
            3,
            "Fraudulent job offers lure young people across the border at Mae Sot into scam compounds; do not accept such offers.",
        )),
    },
    OtherCase {
        kind: IncidentKind::MissingPerson,
        country: "KH",
        post: "embassy.phnompenh",
        place: p("Sihanoukville", 10.63, 103.50),
        severity: 3,
        title: "Student missing in Sihanoukville after an online job offer",
        summary: "A university graduate stopped answering his family after arriving for a 'customer service' job in Sihanoukville.",
        persons: (1, 1),
        first_status: AffectedStatus::Missing,
        reports: &[
            "Provincial police visited two compounds named by other victims; not found yet.",
            "The family received a demand for 'compensation' to release him from his contract.",
        ],
        tasks: &["Pass the family's information to the Cambodian police"],
        close: "Released from the compound after police intervention; flew home.",
        risk: None,
    },
    OtherCase {
        kind: IncidentKind::TerrorAttack,
        country: "PK",
        post: "consulate.karachi",
        place: p("Karachi University, Confucius Institute", 24.94, 67.12),
        severity: 5,
        title: "Suicide bombing of a staff van at Karachi University",
        summary: "A suicide bomber attacked a van carrying teachers of the Confucius Institute.",
        persons: (2, 4),
        first_status: AffectedStatus::Injured,
        reports: &[
            "Injured teachers in Aga Khan University Hospital under police guard.",
            "Police have identified the bomber; the university is closed until further notice.",
            "All other teachers moved to the consulate's guesthouse.",
        ],
        tasks: &[
            "Move the remaining teachers to a secure location",
            "Coordinate repatriation of the injured with the hospital",
        ],
        close: "Injured repatriated; the institute's teachers relocated; the case goes to the security office.",
        risk: Some((
            4,
            "Attacks targeting our nationals in Karachi and Balochistan; do not travel except for essential reasons and only with security arrangements.",
        )),
    },
    OtherCase {
        kind: IncidentKind::ConsularAssistance,
        country: "NP",
        post: "embassy.kathmandu",
        place: p("Tribhuvan International Airport, Kathmandu", 27.70, 85.36),
        severity: 2,
        title: "Tour group stranded in Kathmandu after the airport closed",
        summary: "Airport closed after a runway excursion; a tour group of 38 missed its connection and ran out of money.",
        persons: (2, 3),
        first_status: AffectedStatus::Safe,
        reports: &[
            "Airline rebooked the group for the day after tomorrow; hotel paid by the airline.",
            "Two elderly members need their medicine replaced; the embassy doctor wrote prescriptions.",
        ],
        tasks: &["Confirm the group's rebooking with the airline"],
        close: "Group flew home.",
        risk: None,
    },
];

/// Field reports on the evacuation, by category.
pub const EVAC_SITUATION: &[&str] = &[
    "Fighting continued overnight in {district} and {district2}; sustained heavy-weapons fire until about {hh}:00. Power cut in most of {capital} since yesterday evening.",
    "Relative calm in {district} this morning; shops closed, few vehicles on the roads. New checkpoints on the road to {point}.",
    "Mobile networks down in {district} for most of the day; citizens there are reachable only by satellite phone or company radio.",
    "Water and fuel shortages worsening across {capital}; petrol sold on the black market at ten times the usual price.",
    "Ceasefire announced for 72 hours; shooting still heard in {district} and {district2}.",
    "Roads between {district} and {point} passable this afternoon; {n} citizens reached the assembly point on foot or in company vehicles.",
    "Staff counted {n} citizens at {point} at {hh}:00; registration desk working without interruption.",
    "Smoke over {district2} after an explosion at a fuel depot; no citizens known to live nearby.",
    "Bakeries in {district} closed for the third day; the embassy's stock of flour distributed to the assembly points.",
];

pub const EVAC_SECURITY: &[&str] = &[
    "Armed men stopped a company convoy at a checkpoint in {district}; vehicles searched, phones taken, all {m} passengers released unharmed after two hours.",
    "Stray round hit the perimeter wall of {point}; no injuries. Citizens moved to the inner buildings.",
    "Looting of shops and warehouses in {district}; two shops owned by our citizens broken into overnight, staff safe.",
    "Strike reported about 2 km from {point}; the route through {district2} is no longer advised.",
    "Security escort for the next convoy confirmed with the authorities for {hh}:00.",
    "Curfew from 19:00 to 06:00 enforced; movements to the assembly points only in daylight.",
    "Unexploded shell found near the gate of {point}; area cordoned off, entrance moved to the side street.",
];

pub const EVAC_LOGISTICS: &[&str] = &[
    "Fuel for {m} buses secured from a company depot in {district}; the convoy can leave on schedule.",
    "Landing permission at {airfield} confirmed for the next 48 hours.",
    "Baggage limit at {point} set at one bag of 20 kg per person; pets cannot be taken.",
    "Drinking water, bread and dates delivered to {point} for about {n} people.",
    "Queue at {point} cleared by {hh}:00; manifests for the next departure printed and checked.",
    "Two more buses hired from a local company; drivers paid in cash in advance.",
    "Generator at {point} repaired; phones can be charged again.",
];

pub const EVAC_MEDICAL: &[&str] = &[
    "Embassy doctor treated {m} citizens at {point} for heat exhaustion and dehydration; one referred to the field clinic.",
    "Insulin and blood-pressure medicine running short at {point}; request passed to the company clinics.",
    "A child with high fever at {point} seen by the doctor; fit to travel with paracetamol and fluids.",
    "{m} elderly citizens at {point} need wheelchair assistance at boarding.",
    "Pregnant woman at {point} in her 34th week; doctor clears her to fly with a medical note.",
];

pub const EVAC_CONTACT: &[&str] = &[
    "Reached the {company} camp in {district} by satellite phone: {m} workers safe, food for three days, asking for transport to {point}.",
    "Called the {m} citizens on the embassy list in {district} who had not answered; {k} answered and are safe.",
    "Community association leaders in {district} are relaying the call to gather at {point}.",
    "Students at the university dormitory in {district2} reached through their teacher; {m} of them will come to {point} tomorrow morning.",
];

pub const EVAC_WELFARE: &[&str] = &[
    "{n} citizens now sheltering at {point}; sleeping in classrooms and corridors, morale steady.",
    "Families with small children moved to the air-conditioned hall at {point}.",
    "Psychological first aid given to a group of students who witnessed shooting near their dormitory in {district}.",
    "Hot meals served at {point} for the first time in two days.",
];

pub const EVAC_MEDIA: &[&str] = &[
    "{outlet} reports that foreign nationals are being evacuated through {airfield}; no mention of our operation.",
    "Video of the crowd at {point} circulating on social media; no security concern, but it shows the location.",
    "{outlet} quotes a spokesman promising safe passage for foreign convoys.",
];

pub const CAPTOR_CHANNELS: &[&str] = &[
    "phone call to the site manager",
    "voice message on WhatsApp",
    "intermediary (community elder)",
    "SMS to the interpreter's phone",
    "phone call to the hostage's wife",
];

pub const CAPTOR_CONTACTS: &[&str] = &[
    "A man speaking {language} called from an unknown number, said the hostages are alive and that the company will be contacted again; no demand yet.",
    "Voice message to the interpreter: the group says it holds {names} and will only talk to 'the company boss'.",
    "A community elder from {place} says the captors approached him and asked him to pass messages.",
    "Caller repeated the demand and threatened to move the hostages if the police keep searching the area.",
    "Short call from the same number as before; background noise suggests a vehicle. Asked whether the money is ready.",
];

pub const POL_METHODS: &[&str] = &[
    "short video on WhatsApp",
    "video call",
    "photograph with a dated newspaper",
    "answer to a personal question agreed with the family",
];

pub const POL_SUMMARIES: &[&str] = &[
    "{name} seen in a 40-second video, tired but unhurt; says they are given food and water.",
    "{name} answered the agreed question correctly (the name of a primary-school teacher).",
    "Photograph shows {name} holding a newspaper of the day; thinner, a bandage on the left hand.",
    "{name} spoke for a few seconds on the phone; voice recognised by the wife.",
];

pub const NEGOTIATIONS: &[&str] = &[
    "Company negotiator lowered the offer; the captors did not answer the last two calls.",
    "Captors extended their deadline by 48 hours after contact through the elder.",
    "Local authorities ask the company to make no payment; a security operation is being prepared.",
    "Agreement in principle on a handover near {place}; logistics under discussion.",
    "Families briefed on the state of negotiations and asked not to speak to the media.",
    "Captors now ask for food and medicine for their camp in addition to the money.",
    "No contact for three days; the case team asks the police for phone-location data.",
];

pub const KIDNAP_REPORTS: &[&str] = &[
    "{police} has deployed a tactical unit around {place}; roads closed.",
    "Army says it has located the camp in the forest near {place}; no operation without the families' consent.",
    "Other workers at the {site} moved to the town under police escort.",
    "Met the {police}; they ask us to route every contact with the captors through their negotiator.",
    "Local media named the hostages; the company asked the outlet to remove the names.",
];

/// Last parts of officers' subjects: `embassy.khartoum.li`.
pub const FIELD_NAMES: &[&str] = &[
    "li", "wang", "zhang", "liu", "chen", "yang", "zhao", "huang", "zhou", "wu", "xu", "sun", "ma",
    "hu", "guo", "he", "gao", "lin", "luo", "zheng", "liang", "song", "tang", "han",
];

/// Evacuation coordinators at headquarters.
pub const HQ_EVAC: &[&str] = &[
    "hq.evac.ma.lin",
    "hq.evac.gao.yan",
    "hq.evac.luo.jun",
    "hq.evac.song.qi",
    "hq.evac.tang.wei",
];

/// The evacuation incident's tasks: title, due (hours after opening), done (hours
/// after opening, or never).
pub const EVAC_TASKS: &[(&str, i64, Option<i64>)] = &[
    (
        "Publish the evacuation notice and the hotline numbers on WeChat and the embassy website",
        3,
        Some(2),
    ),
    (
        "Staff the registration desks at every assembly point",
        4,
        Some(5),
    ),
    (
        "Charter aircraft for the first evacuation flights",
        10,
        Some(8),
    ),
    (
        "Arrange a security escort for the first bus convoy",
        14,
        Some(13),
    ),
    (
        "Obtain landing and overflight permissions for {airfield}",
        16,
        Some(15),
    ),
    (
        "Stock water, food and medicine at the assembly points",
        20,
        Some(26),
    ),
    (
        "Set up the reception of evacuees in {dest} with the embassy there",
        30,
        Some(28),
    ),
    (
        "Trace the citizens who registered but never reached an assembly point",
        96,
        None,
    ),
];

/// Why the evacuation incident's status moved.
pub const EVAC_ACTIVE: &str =
    "Crisis cell activated; the embassy and headquarters work in shifts around the clock.";

/// Why a boarded evacuee was taken off again.
pub const OFFLOAD_REASONS: &[&str] = &[
    "The doctor at the gate judged the passenger unfit to fly (high fever); rebooked on a later flight with a nurse.",
    "Passport missing at the aircraft door; kept at the assembly point until an emergency travel document is issued.",
    "Seat needed for a family that must not be split; the passenger volunteered to take the next flight.",
];

/// Welfare checks on citizens who registered but have not come to an assembly point.
pub const WELFARE_SAFE: &[&str] = &[
    "Answered: safe at home in {district} with {n} others; will come to {point} tomorrow morning if the road is open.",
    "Safe at the company camp in {district}; waiting for the company bus to {point}.",
    "Answered on the second try: sheltering in the basement, safe, has food for two days.",
    "Safe; staying with a local family in {district2} until the shooting stops.",
];
pub const WELFARE_HELP: &[&str] = &[
    "Short of water and food in {district}; cannot move because of fighting nearby. Pick-up requested from the convoy team.",
    "Needs insulin; the pharmacies in {district} are closed. Passed to the embassy doctor.",
    "Car was taken at a checkpoint; stranded in {district2} with two children. Asks for transport to {point}.",
];
pub const WELFARE_NO_ANSWER: &[&str] = &[
    "No answer on three calls; phone switched off.",
    "Network down in {district}; call did not connect. Will try again in the evening.",
    "Rang out; message left on WeChat.",
];

/// What the hotline tells a relative, by where the evacuee stands.
pub const WHEREABOUTS_REGISTERED: &[&str] = &[
    "{Relation} of {name} ({province}) has not heard from {him} for two days. {Name} registered for the evacuation but has not reached an assembly point yet; passed to the embassy to call {him}.",
    "{Relation} of {name} is worried after seeing the news about {capital}. {Name} is on the evacuation list but not checked in; the embassy will try to reach {him} today.",
];
pub const WHEREABOUTS_WAITING: &[&str] = &[
    "{Relation} of {name} ({province}) asks whether {he} is safe. Told the caller {name} checked in at {point} and is waiting for a seat on the next departure.",
    "{Relation} of {name} calls for news. {Name} is at {point} with the other evacuees; the caller was given the time of the next flights.",
];
pub const WHEREABOUTS_ASSIGNED: &[&str] = &[
    "{Relation} of {name} asks when {he} will be home. Told the caller {name} holds a seat on {number} to {to}, leaving {when}.",
    "{Relation} of {name} ({province}) calls for news. {Name} is checked in at {point} and booked on {number}, leaving {when}.",
];
pub const WHEREABOUTS_TRAVELLING: &[&str] = &[
    "{Relation} of {name} asks where {he} is. Told the caller {name} left on {number} to {to} and is expected there {when}.",
];
pub const WHEREABOUTS_ARRIVED: &[&str] = &[
    "{Relation} of {name} ({province}) calls for news. Told the caller {name} arrived in {to} on {number}, safe; the reception team there has the passenger list.",
    "{Relation} of {name} asks how to meet {him}. {Name} reached {to} on {number}; gave the caller the number of the reception desk there.",
];
pub const WHEREABOUTS_NO_SHOW: &[&str] = &[
    "{Relation} of {name} is worried: {name} did not show up for {number}. The embassy is trying to reach {him}; the caller will pass on any news.",
];

/// A citizen in the crisis country asks how to leave.
pub const EVAC_REQUESTS: &[&str] = &[
    "{Name}, in {district} with {n} family members, asks how to leave {country}. Registration confirmed; told to go to {point} with passports, water and one bag each.",
    "{Name} has no fuel to reach {point} from {district}; passed to the embassy to arrange a pick-up with the next company convoy.",
    "{Name} asks whether the evacuation flights are free of charge and whether pets may travel. Told the flights are free, one 20 kg bag each, no pets.",
    "{Name} asks whether a local spouse may travel on the evacuation. Told yes, with a passport and the marriage certificate; registration updated.",
];
pub const EVAC_REQUESTS_UNREGISTERED: &[&str] = &[
    "Caller in {district} with {n} colleagues from {company} asks to be evacuated. Registration link sent by SMS; told to go to {point}.",
    "Caller stranded in {district2} with no phone credit asks how to register; registration taken over the phone and passed to the embassy.",
    "Student at the university dormitory in {district} asks whether students without residence permits may leave too. Told yes; registration link sent.",
    "Trader in {district} with {n} relatives asks whether they can bring their car to the convoy. Told no vehicles; registration link sent.",
    "Caller whose passport expired last month asks whether she can still be evacuated. Told yes; an emergency travel document will be issued at {point}.",
];

/// Calls that have nothing to do with any incident on the board.
pub const LOST_DOCUMENT_PLACES: &[(&str, &str)] = &[
    ("FR", "Paris, Gare du Nord"),
    ("IT", "Rome, Termini station"),
    ("ES", "Barcelona, La Rambla"),
    ("TH", "Bangkok, Khao San Road"),
    ("US", "New York, JFK airport"),
    ("GB", "London Heathrow, terminal 4"),
    ("DE", "Frankfurt airport"),
    ("JP", "Osaka, Namba station"),
    ("AE", "Dubai Mall"),
    ("TR", "Istanbul, Grand Bazaar"),
    ("MY", "Kuala Lumpur, Bukit Bintang"),
    ("AU", "Sydney, Central station"),
    ("KR", "Seoul, Myeongdong"),
    ("VN", "Ho Chi Minh City, District 1"),
    ("CH", "Zurich, main station"),
    ("CZ", "Prague, Old Town Square"),
];
pub const LOST_DOCUMENTS: &[&str] = &[
    "Caller's passport was stolen at {place}; told to report it to the police and apply for an emergency travel document at the nearest consulate.",
    "Caller lost her passport and phone at {place}; flight home tomorrow. Given the consulate's emergency appointment line.",
    "Student's bag with passport and residence card stolen at {place}; told how to get a police report and a travel document.",
];
pub const MEDICAL_CALLS: &[(&str, &str, &str)] = &[
    (
        "TH",
        "Phuket",
        "Tourist in Phuket with dengue fever; the hospital asks for a deposit. Given the insurer's assistance number and a list of hospitals.",
    ),
    (
        "ID",
        "Bali",
        "Caller's father fell ill on a tour in Bali and was admitted to hospital; asks for help with a medical flight. Explained the insurer's role.",
    ),
    (
        "IT",
        "Venice",
        "Tour-group member with chest pain in Venice; the guide asks for an interpreter at the hospital. Interpreter list sent.",
    ),
    (
        "EG",
        "Luxor",
        "Elderly tourist with severe food poisoning in Luxor; family asks whether the hospital is reliable. Advised and given the embassy's doctor line.",
    ),
    (
        "US",
        "Las Vegas",
        "Student hit by a car in Las Vegas; in surgery. The consulate will contact the hospital and the family.",
    ),
];
pub const ADVICE_CALLS: &[&str] = &[
    "Caller plans a business trip to {country} next week and asks whether it is safe. Told the risk level is {level} of 4 and read the advice: {advice}",
    "Travel agency asks whether tours to {country} can go ahead. Told the risk level is {level} of 4; advised to follow the ministry's travel advice.",
    "Student due to start a semester in {country} asks whether to travel. Told the risk level is {level} of 4 and to register with the embassy on arrival.",
];
pub const OTHER_CALLS: &[&str] = &[
    "Caller asks how to get a certificate of no criminal record while living abroad; referred to the consular services website.",
    "Caller asks whether the ministry can help recover money lost to an online job scam; told to report it to the police at home.",
    "Caller asks how to bring the ashes of a relative home; given the consulate's checklist.",
    "Caller complains about a visa refusal; told the ministry cannot intervene in another country's visa decisions.",
];

/// A kidnapping: the tasks the duty officer sets (title, due hours after opening).
pub const KIDNAP_TASKS: &[(&str, i64)] = &[
    (
        "Set up a crisis cell with {company} and its security adviser",
        6,
    ),
    ("Brief the hostages' families in {province}", 24),
    ("Obtain phone-location data through the {police}", 48),
    ("Prepare a medical check for the hostages on release", 72),
];

/// A kidnapping: calls from the families.
pub const KIDNAP_FAMILY_CALLS: &[&str] = &[
    "{Relation} of {name} calls again for news; told the case team is working with the company and the authorities, and asked not to speak to journalists.",
    "{Relation} of {name} says a stranger called her asking for money for {his} release; told to pass every such call to the case team and pay nothing.",
    "{Relation} of {name} asks whether the family should travel to {country}. Advised not to; the case team will keep them informed every day.",
];

/// A detention: tasks (title, due hours after opening).
pub const DETENTION_TASKS: &[(&str, i64)] = &[
    ("Consular visit to {name} at {facility}", 48),
    ("Give the family the list of local lawyers", 24),
    ("Ask {authority} for written confirmation of the charge", 36),
];

/// A detention: reports from the post.
pub const DETENTION_REPORTS: &[&str] = &[
    "{Authority} confirmed by phone that {name} is held at {facility} for {charge}; no consular notification had been sent.",
    "Consular officer visited {name} at {facility}: in good health, held with six other detainees, has drinking water and food; asked for the family to be told {he} is well.",
    "{Name} was brought before a magistrate; remanded in custody for 14 days pending investigation.",
    "The lawyer chosen by the family from the embassy's list has taken the case and visited {name}.",
    "The embassy sent a note verbale to {authority} asking for regular consular access and a fair and speedy process.",
];
pub const DETENTION_RELEASES: &[&str] = &[
    "{Name} released from {facility} and met at the gate by the consular officer; flight home booked.",
    "Charges against {name} dropped at the hearing; released this afternoon.",
    "{Name} released after paying a fine and will be deported; the embassy issued a travel document.",
];
pub const DETENTION_CALLS: &[&str] = &[
    "{Relation} of {name} reports {he} was arrested by {authority} in {place} for {charge}; held at {facility}. Asks for consular help and a lawyer.",
    "Employer of {name} reports {his} arrest by {authority} in {place} ({charge}); the company's lawyer is on the way.",
];
pub const DETENTION_FOLLOW_UP: &[&str] = &[
    "{Relation} of {name} asks about the next hearing; told the consular officer visited and {he} is in good health.",
    "{Relation} of {name} asks whether the family may send money for food in {facility}; explained how deposits work there.",
];

/// Other incidents: a relative cannot reach someone.
pub const OTHER_FAMILY_CALLS: &[&str] = &[
    "{Relation} of {name} has not been able to reach {him} since: {title}. Added to the list of citizens the post is tracing.",
    "{Relation} of {name} calls after seeing the news ({title}); {name} is on the post's list and the caller will be told as soon as there is news.",
];
pub const OTHER_FAMILY_GOOD_NEWS: &[&str] = &[
    "{Relation} of {name} calls again; told {name} is {status} and the post is in touch with {him}.",
];

/// Why duplicate person records were merged.
pub const MERGE_REASONS: &[&str] = &[
    "Same person as the evacuation registration: same name and date of birth, same family; this record was created from a relative's call.",
    "Created twice: the hotline registered the person from a relative's call before seeing the embassy's registration (same name and date of birth).",
];

/// Names of the countries the story mentions, for the hotline's answers.
pub const COUNTRY_NAMES: &[(&str, &str)] = &[
    ("AE", "the United Arab Emirates"),
    ("BD", "Bangladesh"),
    ("BF", "Burkina Faso"),
    ("BJ", "Benin"),
    ("CD", "the Democratic Republic of the Congo"),
    ("CM", "Cameroon"),
    ("CY", "Cyprus"),
    ("DJ", "Djibouti"),
    ("EG", "Egypt"),
    ("ET", "Ethiopia"),
    ("FR", "France"),
    ("ID", "Indonesia"),
    ("JO", "Jordan"),
    ("JP", "Japan"),
    ("KE", "Kenya"),
    ("KH", "Cambodia"),
    ("LA", "Laos"),
    ("MA", "Morocco"),
    ("ML", "Mali"),
    ("MV", "the Maldives"),
    ("MY", "Malaysia"),
    ("MZ", "Mozambique"),
    ("NG", "Nigeria"),
    ("NP", "Nepal"),
    ("NZ", "New Zealand"),
    ("OM", "Oman"),
    ("PE", "Peru"),
    ("PH", "the Philippines"),
    ("PK", "Pakistan"),
    ("SA", "Saudi Arabia"),
    ("SB", "the Solomon Islands"),
    ("SY", "Syria"),
    ("TD", "Chad"),
    ("TH", "Thailand"),
    ("TN", "Tunisia"),
    ("UG", "Uganda"),
    ("ZA", "South Africa"),
    ("ZM", "Zambia"),
];

/// Where evacuees end up: a word of the destination, and its country.
pub const ARRIVAL_COUNTRIES: &[(&str, &str)] = &[
    ("Jeddah", "SA"),
    ("Djibouti", "DJ"),
    ("Cairo", "EG"),
    ("Port Sudan", "SD"),
    ("(Ethiopia)", "ET"),
    ("(Egypt)", "EG"),
    ("Malta", "MT"),
    ("Valletta", "MT"),
    ("Tunis", "TN"),
    ("Istanbul", "TR"),
    ("Larnaca", "CY"),
    ("Limassol", "CY"),
    ("Beijing", "CN"),
    ("(Syria)", "SY"),
    ("Abidjan", "CI"),
    ("Casablanca", "MA"),
    ("Addis Ababa", "ET"),
    ("(Benin)", "BJ"),
    ("Muscat", "OM"),
    ("(Oman)", "OM"),
    ("Kunming", "CN"),
    ("(China)", "CN"),
    ("Mandalay", "MM"),
    ("Yangon", "MM"),
    ("Nairobi", "KE"),
    ("Entebbe", "UG"),
    ("(Uganda)", "UG"),
    ("Douala", "CM"),
    ("Yaounde", "CM"),
    ("(Cameroon)", "CM"),
    ("(DR Congo)", "CD"),
];

/// The country a destination lies in.
pub fn arrival_country(destination: &str) -> Option<&'static str> {
    ARRIVAL_COUNTRIES
        .iter()
        .find(|(word, _)| destination.contains(word))
        .map(|(_, code)| *code)
}

/// Whether a local name in the theatres above is a man's.
pub fn is_male_name(name: &str) -> bool {
    const MEN: &[&str] = &[
        "Mohamed",
        "Khaled",
        "Karim",
        "Ibrahim",
        "Nabil",
        "Lual",
        "Jean-Claude",
        "Sai",
    ];
    MEN.iter().any(|m| name.split(' ').next() == Some(*m))
}
