//! The publicly verifiable double-random draw (双随机一公开, docs/DRAW.md): targets drawn per
//! stratum and inspectors drawn per target, from a population committed to (its digest P
//! published) before the random seed input exists. Anyone can recompute a draw record with
//! SHA-256 alone; `xianfeng draw verify` does, without a database.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::i18n::Message;

/// The name of this algorithm in a record.
pub const ALGORITHM: &str = "xianfeng-draw-1";

/// SHA-256 of `s` as lowercase hex.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// P: the digest of the population, its codes deduplicated, sorted by their bytes and
/// joined by `\n`.
pub fn population_digest<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    let set: BTreeSet<&str> = codes.into_iter().collect();
    sha256_hex(&set.into_iter().collect::<Vec<_>>().join("\n"))
}

/// The seed: sha256(P | seed input), the input exactly as entered.
pub fn seed(digest: &str, seed_input: &str) -> String {
    sha256_hex(&format!("{digest}|{seed_input}"))
}

/// SHA-256 of what `prefix` has taken followed by `tail`, as bytes: compared bytewise, the
/// order of these equals the order of their lowercase hex, which the specification uses.
fn key_after(prefix: &Sha256, tail: &str) -> [u8; 32] {
    prefix
        .clone()
        .chain_update(tail.as_bytes())
        .finalize()
        .into()
}

/// The hasher that has taken `seed|target|`: a code's key is sha256(seed|target|code).
fn target_prefix(seed: &str) -> Sha256 {
    Sha256::new().chain_update(format!("{seed}|target|").as_bytes())
}

/// The hasher that has taken `seed|inspector|target|`.
fn inspector_prefix(seed: &str, target: &str) -> Sha256 {
    Sha256::new().chain_update(format!("{seed}|inspector|{target}|").as_bytes())
}

/// How many targets each stratum gives: `k` each (at most its size), or a total shared in
/// proportion to the strata's sizes by largest remainder (ties by stratum name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    PerStratum(usize),
    Total(usize),
}

/// `sizes`: stratum → number of codes. Every stratum appears in the result.
pub fn allocate(sizes: &BTreeMap<String, usize>, how: Allocation) -> BTreeMap<String, usize> {
    match how {
        Allocation::PerStratum(k) => sizes.iter().map(|(s, n)| (s.clone(), k.min(*n))).collect(),
        Allocation::Total(total) => {
            let all: usize = sizes.values().sum();
            if all == 0 {
                return sizes.keys().map(|s| (s.clone(), 0)).collect();
            }
            let total = total.min(all);
            let mut out: BTreeMap<String, usize> = BTreeMap::new();
            // (fraction numerator, stratum): exact integer arithmetic, no floats.
            let mut rest: Vec<(usize, &String)> = vec![];
            for (s, n) in sizes {
                let exact = total * n;
                out.insert(s.clone(), exact / all);
                rest.push((exact % all, s));
            }
            let given: usize = out.values().sum();
            // Largest fractional part first; equal ones by stratum name, bytewise.
            rest.sort_by(|a, b| {
                b.0.cmp(&a.0)
                    .then_with(|| a.1.as_bytes().cmp(b.1.as_bytes()))
            });
            let mut left = total - given;
            for (_, s) in rest {
                if left == 0 {
                    break;
                }
                let n = sizes[s];
                let k = out.get_mut(s).expect("every stratum is in");
                if *k < n {
                    *k += 1;
                    left -= 1;
                }
            }
            out
        }
    }
}

/// Everything a draw is made from, as published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawInput {
    pub plan: String,
    /// Stratum name → its codes.
    pub population: BTreeMap<String, Vec<String>>,
    pub seed_input: String,
    pub per_stratum: BTreeMap<String, usize>,
    /// Inspector ids (user names).
    pub inspectors: Vec<String>,
    /// Inspector id → home organisation code.
    pub inspector_homes: BTreeMap<String, String>,
    pub scope: String,
    /// Target → the codes from the scope down to it.
    pub target_paths: BTreeMap<String, Vec<String>>,
    pub per_target: usize,
    pub cap: usize,
    /// Every pair [target, inspector] in conflict: structural and declared.
    pub conflicts: Vec<(String, String)>,
}

/// A draw record (docs/DRAW.md): the inputs and what they give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRecord {
    pub algorithm: String,
    pub plan: String,
    pub population: BTreeMap<String, Vec<String>>,
    pub population_digest: String,
    pub seed_input: String,
    pub seed: String,
    pub per_stratum: BTreeMap<String, usize>,
    pub targets: Vec<String>,
    pub inspectors: Vec<String>,
    pub inspector_homes: BTreeMap<String, String>,
    pub scope: String,
    pub target_paths: BTreeMap<String, Vec<String>>,
    pub per_target: usize,
    pub cap: usize,
    pub conflicts: Vec<(String, String)>,
    pub assignments: BTreeMap<String, Vec<String>>,
}

/// The structural conflicts the published paths show: the inspector's home is the target,
/// or lies above it but strictly below the scope (a county's staff do not inspect in their
/// own county; the scope's own staff may inspect anywhere). A home below the target is
/// found from the tree by whoever builds the input, and listed in `conflicts`.
pub fn path_conflicts(input: &DrawInput) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (target, path) in &input.target_paths {
        for (inspector, home) in &input.inspector_homes {
            let between = path.len() > 1 && path[1..path.len() - 1].iter().any(|c| c == home);
            if home == target || between {
                out.insert((target.clone(), inspector.clone()));
            }
        }
    }
    out
}

/// Why a draw cannot be made: the targets no inspector can staff without a conflict or
/// over the cap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Understaffed(pub Vec<String>);

impl Understaffed {
    pub fn message(&self) -> Message {
        Message::of("draw.understaffed", &[("targets", &self.0.join(", "))])
    }
}

/// The targets a seed picks: each stratum's k codes with the smallest keys, all listed in
/// key order. They depend on nothing else — not on the inspectors — so the conflicts a draw
/// needs are those of these targets alone.
pub fn select_targets(
    population: &BTreeMap<String, Vec<String>>,
    per_stratum: &BTreeMap<String, usize>,
    seed: &str,
) -> Vec<String> {
    let prefix = target_prefix(seed);
    let mut keyed: Vec<([u8; 32], &String)> = vec![];
    for (stratum, codes) in population {
        let k = per_stratum.get(stratum).copied().unwrap_or(0);
        let unique: BTreeSet<&String> = codes.iter().collect();
        let mut by_key: Vec<([u8; 32], &String)> = unique
            .into_iter()
            .map(|c| (key_after(&prefix, c), c))
            .collect();
        by_key.sort_unstable();
        keyed.extend(by_key.into_iter().take(k));
    }
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, c)| c.clone()).collect()
}

/// Makes the draw from `input`: the same input always gives the same record.
pub fn draw(input: &DrawInput) -> Result<DrawRecord, Understaffed> {
    let digest = population_digest(
        input
            .population
            .values()
            .flat_map(|codes| codes.iter().map(String::as_str)),
    );
    let seed = seed(&digest, &input.seed_input);
    let targets = select_targets(&input.population, &input.per_stratum, &seed);

    let conflicts: BTreeSet<(&str, &str)> = input
        .conflicts
        .iter()
        .map(|(t, i)| (t.as_str(), i.as_str()))
        .collect();
    let mut load: HashMap<&str, usize> = HashMap::new();
    let mut assignments = BTreeMap::new();
    let mut short = vec![];
    for target in &targets {
        let prefix = inspector_prefix(&seed, target);
        let mut ranked: Vec<([u8; 32], &String)> = input
            .inspectors
            .iter()
            .map(|i| (key_after(&prefix, i), i))
            .collect();
        // Only the first few in rank are usually looked at: order those, and the rest
        // only if they run out (the order is total, so the result is the same).
        let head = (input.per_target * 8 + 8).min(ranked.len());
        if head < ranked.len() {
            ranked.select_nth_unstable(head);
        }
        ranked[..head].sort_unstable();
        let mut chosen = vec![];
        for n in 0..ranked.len() {
            if chosen.len() == input.per_target {
                break;
            }
            if n == head {
                ranked[head..].sort_unstable();
            }
            let i = ranked[n].1;
            let busy = load.get(i.as_str()).copied().unwrap_or(0);
            if conflicts.contains(&(target.as_str(), i.as_str())) || busy >= input.cap {
                continue;
            }
            *load.entry(i.as_str()).or_insert(0) += 1;
            chosen.push(i.clone());
        }
        if chosen.len() < input.per_target {
            short.push(target.clone());
        }
        assignments.insert(target.clone(), chosen);
    }
    if !short.is_empty() {
        return Err(Understaffed(short));
    }
    Ok(DrawRecord {
        algorithm: ALGORITHM.into(),
        plan: input.plan.clone(),
        population: input.population.clone(),
        population_digest: digest,
        seed_input: input.seed_input.clone(),
        seed,
        per_stratum: input.per_stratum.clone(),
        targets,
        inspectors: input.inspectors.clone(),
        inspector_homes: input.inspector_homes.clone(),
        scope: input.scope.clone(),
        target_paths: input.target_paths.clone(),
        per_target: input.per_target,
        cap: input.cap,
        conflicts: input.conflicts.clone(),
        assignments,
    })
}

impl DrawRecord {
    /// The inputs the record says it was made from.
    pub fn input(&self) -> DrawInput {
        DrawInput {
            plan: self.plan.clone(),
            population: self.population.clone(),
            seed_input: self.seed_input.clone(),
            per_stratum: self.per_stratum.clone(),
            inspectors: self.inspectors.clone(),
            inspector_homes: self.inspector_homes.clone(),
            scope: self.scope.clone(),
            target_paths: self.target_paths.clone(),
            per_target: self.per_target,
            cap: self.cap,
            conflicts: self.conflicts.clone(),
        }
    }

    /// Recomputes the record from its inputs: every field that differs, by name (empty:
    /// verified). A structural conflict the paths show but the record does not list is a
    /// difference too.
    pub fn verify(&self) -> Vec<String> {
        let mut differs = vec![];
        if self.algorithm != ALGORITHM {
            differs.push("algorithm".to_string());
        }
        let input = self.input();
        let listed: BTreeSet<(String, String)> = self.conflicts.iter().cloned().collect();
        if !path_conflicts(&input).is_subset(&listed) {
            differs.push("conflicts".to_string());
        }
        match draw(&input) {
            Err(Understaffed(_)) => differs.push("assignments".to_string()),
            Ok(again) => {
                let fields: [(&str, bool); 4] = [
                    (
                        "population_digest",
                        again.population_digest == self.population_digest,
                    ),
                    ("seed", again.seed == self.seed),
                    ("targets", again.targets == self.targets),
                    ("assignments", again.assignments == self.assignments),
                ];
                differs.extend(
                    fields
                        .iter()
                        .filter(|(_, same)| !same)
                        .map(|(f, _)| f.to_string()),
                );
            }
        }
        differs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(codes: &[(&str, &[&str])], inspectors: &[(&str, &str)]) -> DrawInput {
        let population: BTreeMap<String, Vec<String>> = codes
            .iter()
            .map(|(s, cs)| (s.to_string(), cs.iter().map(|c| c.to_string()).collect()))
            .collect();
        let sizes = population
            .iter()
            .map(|(s, c)| (s.clone(), c.len()))
            .collect();
        let target_paths = population
            .iter()
            .flat_map(|(s, cs)| {
                cs.iter()
                    .map(move |c| (c.clone(), vec!["JZ".to_string(), s.clone(), c.clone()]))
            })
            .collect();
        DrawInput {
            plan: "1".into(),
            per_stratum: allocate(&sizes, Allocation::PerStratum(2)),
            population,
            seed_input: "2011-06-01 体彩 12 34 56".into(),
            inspectors: inspectors.iter().map(|(i, _)| i.to_string()).collect(),
            inspector_homes: inspectors
                .iter()
                .map(|(i, h)| (i.to_string(), h.to_string()))
                .collect(),
            scope: "JZ".into(),
            target_paths,
            per_target: 1,
            cap: 2,
            conflicts: vec![],
        }
    }

    #[test]
    fn the_digest_sorts_and_dedups_and_the_seed_follows_the_document() {
        assert_eq!(population_digest(["b", "a", "b"]), sha256_hex("a\nb"));
        let p = population_digest(["a"]);
        assert_eq!(seed(&p, "x"), sha256_hex(&format!("{p}|x")));
        // The SHA-256 of the empty string, so that the hex is the standard one.
        assert_eq!(
            sha256_hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn a_total_is_shared_by_largest_remainder_and_never_beyond_a_stratum() {
        let sizes: BTreeMap<String, usize> =
            [("A".into(), 5), ("B".into(), 3), ("C".into(), 2)].into();
        let k = allocate(&sizes, Allocation::Total(5));
        // 2.5, 1.5, 1.0: A and B get 2 and 1, then the .5s go by name: A first.
        assert_eq!(
            k,
            [("A".into(), 3), ("B".into(), 1), ("C".into(), 1)].into()
        );
        assert_eq!(
            allocate(&sizes, Allocation::Total(99))
                .values()
                .sum::<usize>(),
            10
        );
        let per = allocate(&sizes, Allocation::PerStratum(4));
        assert_eq!(per["B"], 3);
    }

    #[test]
    fn conflicts_are_never_assigned_and_a_county_does_not_inspect_itself() {
        let mut i = input(
            &[
                ("JZ-JF", &["JZ-JF-01", "JZ-JF-02"]),
                ("JZ-SY", &["JZ-SY-01", "JZ-SY-02"]),
            ],
            &[("jf", "JZ-JF"), ("sy", "JZ-SY"), ("city", "JZ")],
        );
        i.conflicts = path_conflicts(&i).into_iter().collect();
        assert!(i.conflicts.contains(&("JZ-JF-01".into(), "jf".into())));
        assert!(!i.conflicts.iter().any(|(_, who)| who == "city"));
        let r = draw(&i).expect("staffed");
        for (t, who) in &r.assignments {
            for w in who {
                assert!(!i.conflicts.contains(&(t.clone(), w.clone())), "{t} {w}");
            }
        }
        assert!(r.verify().is_empty());
        // Too few inspectors: the targets that cannot be staffed are named.
        i.cap = 0;
        let short = draw(&i).expect_err("nobody may take a target");
        assert_eq!(short.0.len(), 4);
    }

    #[test]
    fn a_record_edited_after_the_draw_does_not_verify() {
        let mut i = input(&[("S", &["A", "B", "C", "D"])], &[("x", "Q"), ("y", "R")]);
        i.conflicts = path_conflicts(&i).into_iter().collect();
        let r = draw(&i).unwrap();
        assert!(r.verify().is_empty());
        let mut moved = r.clone();
        moved.seed_input.push('!');
        assert!(moved.verify().contains(&"seed".to_string()));
        let mut swapped = r.clone();
        swapped.population.get_mut("S").unwrap().push("E".into());
        assert!(swapped.verify().contains(&"population_digest".to_string()));
        let mut hidden = r;
        hidden.conflicts.clear();
        hidden.inspector_homes.insert("x".into(), "A".into());
        assert!(hidden.verify().contains(&"conflicts".to_string()));
    }

    proptest! {
        /// With many inspectors and conflicts anywhere in the ranking, the draw gives what
        /// the specification read literally gives, and refuses exactly when that leaves a
        /// target short.
        #[test]
        fn the_draw_is_the_specification_whatever_the_conflicts(
            n in 1usize..12,
            inspectors in 1usize..60,
            per_target in 1usize..4,
            cap in 1usize..6,
            blocked in proptest::collection::vec(any::<bool>(), 12 * 60),
        ) {
            let codes: Vec<String> = (0..n).map(|i| format!("B{i:03}")).collect();
            let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
            let names: Vec<String> = (0..inspectors).map(|i| format!("i{i:02}")).collect();
            let homes: Vec<(&str, &str)> = names.iter().map(|i| (i.as_str(), "ELSEWHERE")).collect();
            let mut i = input(&[("S", &refs)], &homes);
            i.per_target = per_target;
            i.cap = cap;
            for (t, code) in codes.iter().enumerate() {
                for (k, name) in names.iter().enumerate() {
                    // Most pairs in conflict: the free ones sit far down the ranking.
                    if blocked[t * 60 + k] || k % 5 != 0 {
                        i.conflicts.push((code.clone(), name.clone()));
                    }
                }
            }
            let literal = by_the_letter(&i);
            match draw(&i) {
                Ok(r) => prop_assert_eq!(r.assignments, literal),
                Err(short) => prop_assert!(short.0.iter().all(|t| literal[t].len() < per_target)),
            }
        }

        #[test]
        fn the_same_inputs_give_the_same_draw_and_caps_hold(
            n in 1usize..40,
            inspectors in 1usize..12,
            seed_input in "[a-z0-9 ]{0,20}",
            cap in 1usize..6,
        ) {
            let codes: Vec<String> = (0..n).map(|i| format!("B{i:03}")).collect();
            let refs: Vec<&str> = codes.iter().map(String::as_str).collect();
            let names: Vec<String> = (0..inspectors).map(|i| format!("i{i}")).collect();
            let homes: Vec<(&str, &str)> = names.iter().map(|i| (i.as_str(), "ELSEWHERE")).collect();
            let mut i = input(&[("S", &refs)], &homes);
            i.seed_input = seed_input;
            i.cap = cap;
            i.per_stratum = allocate(&[("S".to_string(), n)].into(), Allocation::PerStratum(n / 2 + 1));
            let a = draw(&i);
            prop_assert_eq!(&a, &draw(&i));
            if let Ok(r) = a {
                let mut load: HashMap<&str, usize> = HashMap::new();
                for who in r.assignments.values() {
                    for w in who { *load.entry(w.as_str()).or_insert(0) += 1; }
                }
                prop_assert!(load.values().all(|l| *l <= cap));
                prop_assert!(r.verify().is_empty());
            }
        }

        #[test]
        fn any_change_to_the_population_changes_its_digest(
            codes in proptest::collection::btree_set("[A-Z]{1,4}", 1..30),
            extra in "[a-z]{1,4}",
        ) {
            let before = population_digest(codes.iter().map(String::as_str));
            let more = codes.iter().map(String::as_str).chain(std::iter::once(extra.as_str()));
            prop_assert_ne!(before.clone(), population_digest(more));
            let fewer: Vec<&str> = codes.iter().skip(1).map(String::as_str).collect();
            prop_assert_ne!(before, population_digest(fewer));
        }
    }

    /// The specification read literally: hex keys, everything sorted, no shortcut.
    fn by_the_letter(input: &DrawInput) -> BTreeMap<String, Vec<String>> {
        let p = population_digest(input.population.values().flatten().map(String::as_str));
        let seed = sha256_hex(&format!("{p}|{}", input.seed_input));
        let mut targets: Vec<(String, String)> = vec![];
        for (stratum, codes) in &input.population {
            let mut keyed: Vec<(String, String)> = codes
                .iter()
                .map(|c| (sha256_hex(&format!("{seed}|target|{c}")), c.clone()))
                .collect();
            keyed.sort();
            targets.extend(keyed.into_iter().take(input.per_stratum[stratum]));
        }
        targets.sort();
        let mut load: BTreeMap<String, usize> = BTreeMap::new();
        let mut out = BTreeMap::new();
        for (_, t) in targets {
            let mut ranked: Vec<(String, String)> = input
                .inspectors
                .iter()
                .map(|i| (sha256_hex(&format!("{seed}|inspector|{t}|{i}")), i.clone()))
                .collect();
            ranked.sort();
            let mut chosen = vec![];
            for (_, i) in ranked {
                let busy = load.get(&i).copied().unwrap_or(0);
                let conflict = input.conflicts.contains(&(t.clone(), i.clone()));
                if chosen.len() < input.per_target && !conflict && busy < input.cap {
                    *load.entry(i.clone()).or_default() += 1;
                    chosen.push(i);
                }
            }
            out.insert(t, chosen);
        }
        out
    }

    #[test]
    fn the_draw_agrees_with_the_specification_read_literally_also_far_down_the_ranking() {
        // Sixty inspectors, fifty of them in conflict with every target: each target's
        // inspectors come from well below the first few in rank.
        let homes: Vec<(String, String)> = (0..60)
            .map(|n| (format!("dc{n:02}"), "ELSEWHERE".to_string()))
            .collect();
        let refs: Vec<(&str, &str)> = homes
            .iter()
            .map(|(i, h)| (i.as_str(), h.as_str()))
            .collect();
        let mut input = input(
            &[
                ("A", &["A-1", "A-2", "A-3", "A-4"]),
                ("B", &["B-1", "B-2", "B-3"]),
            ],
            &refs,
        );
        input.per_target = 2;
        input.cap = 1;
        for t in ["A-1", "A-2", "A-3", "A-4", "B-1", "B-2", "B-3"] {
            for n in 0..50 {
                input.conflicts.push((t.to_string(), format!("dc{n:02}")));
            }
        }
        let record = draw(&input).expect("ten free inspectors staff four targets");
        assert_eq!(record.assignments, by_the_letter(&input));
        assert!(
            record
                .assignments
                .values()
                .flatten()
                .all(|i| i.as_str() >= "dc50"),
            "only the free ones are sent"
        );
    }
}
