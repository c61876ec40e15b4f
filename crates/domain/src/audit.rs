//! The audit trail (审计日志): who changed what, when, with the values before and after.
//! Entries form a keyed hash chain: each entry's hash is an HMAC-SM3, under a key held
//! outside the database, of its content and the previous hash. Changing, removing or
//! reordering any entry breaks every hash after it, and someone who can write the database
//! but does not hold the key cannot compute the hashes that would hide it. A [`Checkpoint`]
//! written down outside the system catches even a rewrite by someone who holds the key.

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use sm3::Sm3;

/// The key of the chain's HMAC: derived from the master key, never stored in the database.
#[derive(Clone)]
pub struct ChainKey(Hmac<Sm3>);

impl ChainKey {
    pub fn new(key: &[u8; 32]) -> ChainKey {
        ChainKey(<Hmac<Sm3> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length"))
    }
}

impl std::fmt::Debug for ChainKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ChainKey(..)")
    }
}

/// The hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// Unix milliseconds, UTC.
    pub at: i64,
    /// The account (or `system`) that made the change.
    pub actor: String,
    /// What was done, e.g. `org.create`, `member.update`, `campaign.create`.
    pub action: String,
    /// The kind of record changed, e.g. `organisation`.
    pub entity: String,
    /// Which record: a code or id.
    pub entity_key: String,
    /// JSON of the record before the change; `null` for a creation.
    pub before: String,
    /// JSON of the record after the change; `null` for a deletion.
    pub after: String,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// The keyed hash of the entry from its content and `prev_hash`.
    pub fn expected_hash(&self, key: &ChainKey) -> String {
        let mut mac = key.0.clone();
        for part in self.parts() {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part.as_bytes());
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// The unkeyed SHA-256 that chains written before version 0.14 used: read once, when
    /// such a chain is sealed under the key.
    pub fn legacy_hash(&self) -> String {
        let mut h = Sha256::new();
        for part in self.parts() {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        hex::encode(h.finalize())
    }

    /// The hashed fields, in order. Each is length-prefixed when hashed, so that no two
    /// different entries give the same bytes.
    fn parts(&self) -> [std::borrow::Cow<'_, str>; 9] {
        use std::borrow::Cow::{Borrowed, Owned};
        [
            Borrowed(self.prev_hash.as_str()),
            Owned(self.id.to_string()),
            Owned(self.at.to_string()),
            Borrowed(&self.actor),
            Borrowed(&self.action),
            Borrowed(&self.entity),
            Borrowed(&self.entity_key),
            Borrowed(&self.before),
            Borrowed(&self.after),
        ]
    }
}

/// Checks a run of consecutive entries, given the hash before the first. Returns the id of
/// the first entry that does not fit, if any.
pub fn verify_chain<'a>(
    key: &ChainKey,
    mut prev: String,
    entries: impl IntoIterator<Item = &'a AuditEntry>,
) -> Result<String, i64> {
    for e in entries {
        if e.prev_hash != prev || e.hash != e.expected_hash(key) {
            return Err(e.id);
        }
        prev = e.hash.clone();
    }
    Ok(prev)
}

/// A point of the chain written down outside the system (审计检查点): the position of an
/// entry, its time and the first 80 bits of its hash, as `12345:20261204T213005Z:3f9a…`.
/// Short enough to copy into a register or publish; a later check that finds a different
/// hash at that position, or no entry there, proves a rewrite or a rollback behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub position: i64,
    /// Unix milliseconds of the entry; 0 for the empty chain.
    pub at: i64,
    /// The first [`Checkpoint::HASH_CHARS`] hex characters of the entry's hash.
    pub hash: String,
}

impl Checkpoint {
    pub const HASH_CHARS: usize = 20;

    /// The checkpoint of the chain's last entry (`None` for an empty chain).
    pub fn of(last: Option<&AuditEntry>) -> Checkpoint {
        match last {
            Some(e) => Checkpoint {
                position: e.id,
                at: e.at,
                hash: e.hash[..Self::HASH_CHARS.min(e.hash.len())].to_string(),
            },
            None => Checkpoint {
                position: 0,
                at: 0,
                hash: GENESIS[..Self::HASH_CHARS].to_string(),
            },
        }
    }

    /// Whether `entry` is the one this checkpoint was taken at (its time compared to the
    /// second, as written).
    pub fn matches(&self, entry: &AuditEntry) -> bool {
        entry.id == self.position
            && entry.at / 1000 == self.at / 1000
            && entry.hash.starts_with(&self.hash)
    }

    /// Reads a checkpoint as [`Display`](std::fmt::Display) writes it; spaces and case
    /// are forgiven, since people copy it by hand.
    pub fn parse(text: &str) -> Option<Checkpoint> {
        let clean: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        let mut parts = clean.split(':');
        let position: i64 = parts.next()?.parse().ok().filter(|p| *p >= 0)?;
        let time = parts.next()?.to_ascii_uppercase();
        let hash = parts.next()?.to_ascii_lowercase();
        if parts.next().is_some()
            || hash.len() != Self::HASH_CHARS
            || !hash.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        let at = if time == "0" {
            0
        } else {
            chrono::NaiveDateTime::parse_from_str(&time, "%Y%m%dT%H%M%SZ")
                .ok()?
                .and_utc()
                .timestamp_millis()
        };
        Some(Checkpoint { position, at, hash })
    }
}

impl std::fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let time = if self.at == 0 {
            "0".to_string()
        } else {
            chrono::DateTime::from_timestamp_millis(self.at)
                .map(|t| t.format("%Y%m%dT%H%M%SZ").to_string())
                .unwrap_or_else(|| "0".into())
        };
        write!(f, "{}:{}:{}", self.position, time, self.hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ChainKey {
        ChainKey::new(&[7; 32])
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|id| {
                let mut e = AuditEntry {
                    id,
                    at: 1_000 + id,
                    actor: "admin".into(),
                    action: "org.create".into(),
                    entity: "organisation".into(),
                    entity_key: format!("C{id}"),
                    before: "null".into(),
                    after: format!("{{\"name\":\"{id}\"}}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.expected_hash(&key());
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_any_edit_is_found() {
        let entries = chain(5);
        assert!(verify_chain(&key(), GENESIS.into(), &entries).is_ok());
        let mut edited = entries.clone();
        edited[2].after = "{\"name\":\"forged\"}".into();
        assert_eq!(verify_chain(&key(), GENESIS.into(), &edited), Err(3));
        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(verify_chain(&key(), GENESIS.into(), &removed), Err(3));
    }

    #[test]
    fn an_edit_with_every_hash_recomputed_fails_without_the_key() {
        let mut forged = chain(4);
        let mut prev = GENESIS.to_string();
        forged[1].actor = "someone-else".into();
        // The forger recomputes the chain as the old unkeyed scheme allowed, and then with
        // a key of his own: neither passes under the real key.
        for e in &mut forged {
            e.prev_hash = prev.clone();
            e.hash = e.legacy_hash();
            prev = e.hash.clone();
        }
        assert_eq!(verify_chain(&key(), GENESIS.into(), &forged), Err(1));
        let wrong = ChainKey::new(&[8; 32]);
        let mut prev = GENESIS.to_string();
        for e in &mut forged {
            e.prev_hash = prev.clone();
            e.hash = e.expected_hash(&wrong);
            prev = e.hash.clone();
        }
        assert_eq!(verify_chain(&key(), GENESIS.into(), &forged), Err(1));
    }

    #[test]
    fn a_checkpoint_reads_back_as_written_and_matches_only_its_entry() {
        let entries = chain(3);
        let cp = Checkpoint::of(entries.last());
        let text = cp.to_string();
        assert_eq!(text.split(':').count(), 3);
        assert!(text.len() <= 48, "{text}");
        let read = Checkpoint::parse(&format!("  {} ", text.to_uppercase())).unwrap();
        assert_eq!(read.position, 3);
        assert!(read.matches(&entries[2]));
        assert!(!read.matches(&entries[1]));
        let mut rewritten = entries[2].clone();
        rewritten.hash = "f".repeat(64);
        assert!(!read.matches(&rewritten));
        let empty = Checkpoint::of(None);
        assert_eq!(Checkpoint::parse(&empty.to_string()), Some(empty));
        for bad in [
            "",
            "3",
            "x:0:00",
            "3:0:abc",
            "-1:0:00000000000000000000",
            "3:2026:00000000000000000000",
        ] {
            assert_eq!(Checkpoint::parse(bad), None, "{bad}");
        }
    }
}
