//! Planted personal data for the tests that prove it never rests in clear: a person's
//! name, passport number, phone and birth date and a hotline caller's name and phone,
//! recognisable in any byte, and the search for them.

use std::path::Path;

pub const PASSPORT: &str = "KQ7730192846";
pub const PHONE: &str = "+44 7700 913 642";
pub const BIRTH: &str = "1961-07-29";
pub const NAME: &str = "Isolde Canarywright";
pub const CALLER: &str = "Perpetua Canarycall";
pub const CALLER_PHONE: &str = "+44 7700 982 517";
/// What the person's own views must never show once erased.
pub const PERSON: [&str; 5] = [PASSPORT, PHONE, BIRTH, NAME, "Canarywright"];
/// Everything planted: never in clear at rest or in the logs.
pub const ALL: [&str; 7] = [
    PASSPORT,
    PHONE,
    BIRTH,
    NAME,
    "Canarywright",
    CALLER,
    CALLER_PHONE,
];

/// The `needles` that occur in `bytes`.
pub fn held<'a>(bytes: &[u8], needles: &[&'a str]) -> Vec<&'a str> {
    needles
        .iter()
        .copied()
        .filter(|n| bytes.windows(n.len()).any(|w| w == n.as_bytes()))
        .collect()
}

/// Every file under `dir` holding one of `needles`, with the needle.
pub fn files_holding(dir: &Path, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                for needle in held(&bytes, needles) {
                    found.push(format!("{needle} in {}", path.display()));
                }
            }
        }
    }
    found
}
