//! The candidate index: every name of every entity of the active lists,
//! analysed once, with an inverted index from token keys to names so that a
//! query is scored against a few dozen candidates instead of every name.
//!
//! Keys per token: its spelling key (`phon`), its single-deletion
//! neighbours (a query token within two edits of an indexed token shares
//! one of them, as in SymSpell), its spelling with each run of vowels
//! folded to one mark (transliterations that differ in several vowels),
//! and for transliterated variants the consonant skeleton. Candidates are
//! ranked by the summed inverse document frequency of the keys they share
//! with the query; the best are scored in batches of `max_candidates`
//! while a batch still brings matches.

use crate::matcher::{best_pair, explain_pair, MatchConfig, NameClass, NameScore};
use kansa_model::{DateValue, Entity, EntityKind, NameKind, PartialDate};
use kansa_text::{analyze, NameForm, Readings, TokenKind};
use rustc_hash::FxHashMap as HashMap;
use serde::Serialize;

/// Candidates whose key overlap is below this share of the best
/// candidate's are not scored, unless they meet every word of the query.
const CANDIDATE_FLOOR: f64 = 0.35;

/// Scores this close under the threshold keep the search for candidates
/// going when the query crossed scripts.
const NEAR_MISS: f64 = 0.15;

/// A word this many listed entities bear names nobody in particular.
const COMMON_WORD_BEARERS: u32 = 20;

/// At most this many batches of `max_candidates` are scored per query.
const MAX_BATCHES: usize = 8;

/// Candidates ranked per query reading, in batches of `max_candidates`:
/// more than are scored, so that a search can pass over the rest of a tier
/// that stopped matching to the next one.
const RANKED_BATCHES: usize = 32;

/// One indexed name.
#[derive(Debug)]
struct IndexedName {
    entity: u32,
    name: u16,
    /// Words of the name's first variant (particles not counted).
    words: u16,
    form: NameForm,
}

fn word_count(f: &NameForm) -> usize {
    f.variants
        .first()
        .map(|v| {
            v.tokens
                .iter()
                .filter(|t| t.kind != TokenKind::Particle)
                .count()
        })
        .unwrap_or(0)
}

/// What the caller knows about the party being screened.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub name: String,
    pub birth_date: Option<PartialDate>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub kind: Option<EntityKind>,
}

/// A feature's effect on the score, for the explanation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    pub feature: &'static str,
    pub effect: f64,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Match {
    pub entity_id: String,
    pub source: String,
    pub kind: EntityKind,
    /// The entity's primary name.
    pub name: String,
    /// The listed name that matched.
    pub matched_name: String,
    pub matched_name_kind: NameKind,
    pub score: f64,
    pub name_score: f64,
    pub explanation: Explanation,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    pub name: NameScore,
    pub contributions: Vec<Contribution>,
}

#[derive(Debug, Clone, Copy)]
pub struct IndexConfig {
    pub max_candidates: usize,
    pub matcher: MatchConfig,
}

impl Default for IndexConfig {
    fn default() -> Self {
        IndexConfig {
            max_candidates: 16,
            matcher: MatchConfig::default(),
        }
    }
}

#[derive(Debug)]
pub struct ScreenIndex {
    entities: Vec<Entity>,
    names: Vec<IndexedName>,
    /// key → name ids (sorted, unique).
    postings: HashMap<Box<str>, Vec<u32>>,
    /// Spelling keys (`p:`, `n:`) of words borne by two or more entities,
    /// with how many entities bear them.
    vocabulary: HashMap<Box<str>, u32>,
    readings: Readings,
    pub config: IndexConfig,
}

fn deletions(s: &str, out: &mut Vec<String>) {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() < 4 {
        return;
    }
    for i in 0..chars.len() {
        let mut d = String::with_capacity(s.len());
        d.extend(chars[..i].iter());
        d.extend(chars[i + 1..].iter());
        out.push(d);
    }
}

/// Blocking keys of one analysed name.
fn keys(form: &NameForm) -> Vec<String> {
    let mut out = Vec::new();
    let mut add_variant = |v: &kansa_text::Variant, native: bool| {
        for t in &v.tokens {
            if matches!(t.kind, TokenKind::Particle | TokenKind::LegalForm) {
                continue;
            }
            if native {
                out.push(key("n:", &t.text));
                continue;
            }
            if t.kind == TokenKind::Initial && t.text.len() == 1 {
                continue;
            }
            out.push(key("p:", &t.phon));
            let mut dels = Vec::new();
            deletions(&t.phon, &mut dels);
            out.extend(dels.into_iter().map(|d| key("d:", &d)));
            if let Some(v) = vowels_folded(&t.phon) {
                out.push(key("v:", &v));
            }
            if t.askel.len() >= 2 {
                out.push(key("a:", &t.askel));
            }
            if t.skel.len() >= 2 {
                out.push(key("s:", &t.skel));
            }
        }
    };
    for v in &form.variants {
        add_variant(v, false);
    }
    if let Some(n) = &form.native {
        add_variant(n, true);
    }
    // A name of one word is also found by that word alone.
    out.extend(
        form.variants
            .iter()
            .filter_map(single_word)
            .map(|t| key("1:", &t.phon)),
    );
    out.sort();
    out.dedup();
    out
}

/// The one word of a variant that has one (particles and legal forms aside).
fn single_word(v: &kansa_text::Variant) -> Option<&kansa_text::Token> {
    let mut words = v
        .tokens
        .iter()
        .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::Number));
    let first = words.next()?;
    words.next().is_none().then_some(first)
}

/// At most this many names of one word are looked up per query word.
const MAX_SINGLE_WORD_NAMES: usize = 64;

/// An index key: a prefix naming the kind of key, then the text.
fn key(prefix: &str, text: &str) -> String {
    let mut k = String::with_capacity(prefix.len() + text.len());
    k.push_str(prefix);
    k.push_str(text);
    k
}

/// A word's spelling key with each run of vowels written `*`, for words of
/// four letters or more with two consonants or more: transliterations
/// disagree on vowels first (Muhammad and Mohamed, Sallum and Salem share
/// `m*h*m*d`, `s*l*m`), often in more than one place.
fn vowels_folded(phon: &str) -> Option<String> {
    let vowel = |c: u8| matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let b = phon.as_bytes();
    if b.len() < 4 || !phon.is_ascii() || b.iter().filter(|c| !vowel(**c)).count() < 2 {
        return None;
    }
    let mut out = String::with_capacity(b.len());
    for (i, &c) in b.iter().enumerate() {
        if !vowel(c) {
            out.push(char::from(c));
        } else if i == 0 || !vowel(b[i - 1]) {
            out.push('*');
        }
    }
    Some(out)
}

/// The keys a query looks up, grouped by query token (spelling, its
/// deletions, its one-longer neighbours, its vowels folded, and across
/// scripts its skeleton), so that a candidate is ranked by how many query
/// words it meets: the groups of its Latin readings, then those of its own
/// script.
fn query_key_groups(form: &NameForm) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let transliterated = form.variants.iter().any(|v| v.transliterated);
    let mut groups: Vec<Vec<String>> = Vec::new();
    let add = |groups: &mut Vec<Vec<String>>, v: &kansa_text::Variant, native: bool| {
        for t in &v.tokens {
            if matches!(t.kind, TokenKind::Particle | TokenKind::LegalForm) {
                continue;
            }
            let mut g = Vec::new();
            if native {
                g.push(key("n:", &t.text));
            } else {
                if t.kind == TokenKind::Initial && t.text.len() == 1 {
                    continue;
                }
                g.push(key("p:", &t.phon));
                g.push(key("d:", &t.phon));
                let mut dels = Vec::new();
                deletions(&t.phon, &mut dels);
                for d in dels {
                    g.push(key("p:", &d));
                    g.push(key("d:", &d));
                }
                if let Some(v) = vowels_folded(&t.phon) {
                    g.push(key("v:", &v));
                }
                // An abjad writes few vowels (محمد is mhmd): its consonants
                // meet the Latin spellings' (Muhammad, Mohamed).
                if v.abjad && t.askel.len() >= 2 {
                    g.push(key("a:", &t.askel));
                }
                // Skeletons only bridge scripts; a Latin query does not need them.
                if transliterated && t.skel.len() >= 2 {
                    g.push(key("s:", &t.skel));
                }
            }
            // The token's own key first, its neighbours after.
            let own = g[0].clone();
            g.sort();
            g.dedup();
            g.retain(|k| *k != own);
            g.insert(0, own);
            if !groups.contains(&g) {
                groups.push(g);
            }
        }
    };
    for v in &form.variants {
        add(&mut groups, v, false);
    }
    let mut native = Vec::new();
    if let Some(n) = &form.native {
        add(&mut native, n, true);
    }
    (groups, native)
}

fn class_of(kind: EntityKind) -> NameClass {
    match kind {
        EntityKind::Person => NameClass::Person,
        EntityKind::Unknown => NameClass::Any,
        _ => NameClass::Organization,
    }
}

impl ScreenIndex {
    /// Indexes every name of `entities`.
    pub fn build(entities: Vec<Entity>, readings: Readings, config: IndexConfig) -> Self {
        let mut names = Vec::new();
        let mut postings: HashMap<Box<str>, Vec<u32>> = HashMap::default();
        for (ei, e) in entities.iter().enumerate() {
            for (ni, n) in e.names.iter().enumerate() {
                let form = analyze(&n.full, &readings);
                if form.is_empty() {
                    continue;
                }
                let id = names.len() as u32;
                for k in keys(&form) {
                    postings.entry(k.into_boxed_str()).or_default().push(id);
                }
                names.push(IndexedName {
                    entity: ei as u32,
                    name: ni as u16,
                    words: word_count(&form).min(u16::MAX as usize) as u16,
                    form,
                });
            }
        }
        // Words borne by at least two listed entities are known name words.
        let mut vocabulary: HashMap<Box<str>, u32> = HashMap::default();
        let mut seen: Vec<u32> = Vec::new();
        for (k, ids) in &postings {
            if !(k.starts_with("p:") || k.starts_with("n:")) {
                continue;
            }
            seen.clear();
            seen.extend(ids.iter().map(|&id| names[id as usize].entity));
            seen.dedup();
            if seen.len() >= 2 {
                vocabulary.insert(k.clone(), seen.len() as u32);
            }
        }
        let mut idx = ScreenIndex {
            entities,
            names: Vec::new(),
            postings,
            vocabulary,
            readings,
            config,
        };
        for n in &mut names {
            idx.mark_known(&mut n.form);
        }
        idx.names = names;
        idx
    }

    /// Marks the words of `form` that the lists know as name words.
    fn mark_known(&self, form: &mut NameForm) {
        let mut key = String::new();
        let mut mark = |v: &mut kansa_text::Variant, prefix: &str, native: bool| {
            for t in &mut v.tokens {
                key.clear();
                key.push_str(prefix);
                key.push_str(if native { &t.text } else { &t.phon });
                let bearers = self.vocabulary.get(key.as_str()).copied().unwrap_or(0);
                t.known = bearers >= 2;
                t.common = bearers >= COMMON_WORD_BEARERS;
            }
        };
        for v in &mut form.variants {
            mark(v, "p:", false);
        }
        if let Some(n) = &mut form.native {
            mark(n, "n:", true);
        }
    }

    /// A query analysed and its known words marked.
    fn analyze_query(&self, name: &str) -> NameForm {
        let mut form = analyze(name, &self.readings);
        self.mark_known(&mut form);
        form
    }

    pub fn entities(&self) -> &[Entity] {
        &self.entities
    }

    pub fn entity_count(&self) -> usize {
        self.entities.len()
    }

    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    pub fn readings(&self) -> &Readings {
        &self.readings
    }

    /// Per name met by `groups`: (total of the words before, the word
    /// being added, its best key weight so far, how many query words it
    /// met). Each query word adds, for each name it meets, its best key
    /// weight (rarer keys weigh more); a name meeting more words ranks
    /// higher. One table, one lookup per posting.
    fn accumulate(
        &self,
        groups: &[Vec<String>],
        limit_for_common: usize,
    ) -> HashMap<u32, (f64, u32, f64, u16)> {
        let total = self.names.len().max(1) as f64;
        let common = 64 * limit_for_common.max(1);
        let mut acc: HashMap<u32, (f64, u32, f64, u16)> =
            HashMap::with_capacity_and_hasher(1024, Default::default());
        for (gi, group) in groups.iter().enumerate() {
            let gi = gi as u32;
            let found_before = acc.len();
            let mut lists: Vec<(&str, &Vec<u32>)> = group
                .iter()
                .filter_map(|k| {
                    self.postings
                        .get_key_value(k.as_str())
                        .map(|(k, v)| (&**k, v))
                })
                .collect();
            lists.sort_by_key(|(_, v)| v.len());
            let idf = |n: usize| (total / n as f64).ln().max(0.05);
            // A neighbour (a letter more or less, a skeleton) never weighs
            // more than the word itself would: a rare near-spelling must
            // not outrank the many names that have the word exactly.
            let own = group[0].as_str();
            let cap = lists
                .iter()
                .find(|(k, _)| *k == own)
                .map(|(_, v)| idf(v.len()))
                .unwrap_or(total.ln());
            for (k, ids) in lists {
                let w = if k == own {
                    idf(ids.len())
                } else if ["d:", "s:", "v:", "a:"].iter().any(|p| k.starts_with(p)) {
                    (0.6 * idf(ids.len())).min(cap)
                } else {
                    (0.8 * idf(ids.len())).min(cap)
                };
                let bump = |e: &mut (f64, u32, f64, u16)| {
                    if e.1 != gi {
                        *e = (e.0 + e.2, gi, w, e.3.saturating_add(1));
                    } else if w > e.2 {
                        e.2 = w;
                    }
                };
                if ids.len() > common && found_before >= limit_for_common {
                    // Very common keys only strengthen names already found.
                    for (id, e) in acc.iter_mut() {
                        if ids.binary_search(id).is_ok() {
                            bump(e);
                        }
                    }
                } else {
                    for id in ids {
                        bump(acc.entry(*id).or_insert((0.0, gi, 0.0, 1)));
                    }
                }
            }
        }
        acc
    }

    /// Name ids sharing keys with the query and their weights, best first,
    /// at most `keep` per list: the query's Latin letters over names in
    /// other scripts, then (for a query in its own script) its Latin letters
    /// over names in that script, and its own letters; `limit` sizes the
    /// work on very common keys.
    fn candidates(&self, form: &NameForm, limit: usize, keep: usize) -> Vec<Vec<(u32, f64)>> {
        // Each reading weighs names relative to the best name it meets and
        // is ranked on its own: the rarer keys of a script few names are
        // written in do not crowd out the Latin names (علي الأحمد must still
        // reach ALI, Ahmad; أسامة بن لادن BIN LADIN, Usama).
        let (latin, native) = query_key_groups(form);
        let mut acc = self.accumulate(&latin, limit);
        // A query in its own script meets the names written in that script
        // through its own letters (ranked below) and, in Latin letters,
        // through the same transliteration: those names must not crowd
        // the Latin-letter list either (محمد العلي: the many names with
        // محمد written mhmd would push out ALI, Muhammad). They are ranked
        // apart.
        let mut own_script = HashMap::default();
        if !native.is_empty() {
            acc.retain(|id, e| {
                let same = self.names[*id as usize].form.script == form.script;
                if same {
                    own_script.insert(*id, *e);
                }
                !same
            });
        }
        let mut out = vec![self.ranked_candidates(form, acc, latin.len(), keep)];
        if !own_script.is_empty() {
            out.push(self.ranked_candidates(form, own_script, latin.len(), keep));
        }
        if !native.is_empty() {
            out.push(self.ranked_candidates(
                form,
                self.accumulate(&native, limit),
                native.len(),
                keep,
            ));
        }
        out
    }

    /// The best `keep` names of one reading's accumulated weights.
    fn ranked_candidates(
        &self,
        form: &NameForm,
        acc: HashMap<u32, (f64, u32, f64, u16)>,
        groups: usize,
        keep: usize,
    ) -> Vec<(u32, f64)> {
        // Names sharing far less with the query than the best one are not
        // worth ranking or scoring — unless they meet every word of it: a
        // rare word the query shares with one name (Sallum) must not push
        // out a name that meets every word through other spellings
        // (Muhammad Sallum, SALEM Mohamed).
        let top = acc.values().map(|(b, _, l, _)| b + l).fold(0.0, f64::max);
        let all_met = groups.min(usize::from(u16::MAX));
        // Among names meeting the query equally, those with fewer words of
        // their own left over come first (Sab'awi Ibrahim Hassan before his
        // sons Yasir, Omar, Ayman... Sabawi Ibrahim Hasan for Sa'd Sabawi
        // Ibrahim Hasan), then those closest to it in length (a short query
        // meets many long names: Abdul Rahman is in hundreds; the one named
        // just that must not be cut).
        let n = word_count(form);
        let mut v: Vec<(u32, f64, (usize, usize))> = acc
            .into_iter()
            .map(|(id, (before, _, last, met))| (id, before + last, met as usize))
            .filter(|(_, w, met)| *w >= CANDIDATE_FLOOR * top || *met >= all_met)
            .map(|(id, w, met)| {
                let words = self.names[id as usize].words as usize;
                (id, w, (words.saturating_sub(met), words.abs_diff(n)))
            })
            .collect();
        let order = |a: &(u32, f64, (usize, usize)), b: &(u32, f64, (usize, usize))| {
            b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)).then(a.0.cmp(&b.0))
        };
        if v.len() > keep {
            v.select_nth_unstable_by(keep, order);
            v.truncate(keep);
        }
        // (The order is total: ids are unique.)
        v.sort_unstable_by(order);
        v.into_iter().map(|(id, w, _)| (id, w)).collect()
    }

    /// Every name scored against the query, without blocking (for
    /// measuring the index's recall).
    pub fn brute_force(&self, query: &Query, threshold: f64) -> Vec<Match> {
        let form = self.analyze_query(&query.name);
        let mut best = HashMap::default();
        let all = 0..self.names.len() as u32;
        self.score_into(&mut best, &form, query, all, threshold, 0.0);
        ranked(best, usize::MAX)
    }

    /// Screens a query: matches at or above `threshold`, best first, at most
    /// `limit`, one per entity.
    pub fn screen(&self, query: &Query, threshold: f64, limit: usize) -> Vec<Match> {
        let form = self.analyze_query(&query.name);
        if form.is_empty() {
            return Vec::new();
        }
        // Names that crossed scripts meet their listed spellings through
        // weaker keys (skeletons, short syllables): look further for them.
        let transliterated = form.variants.iter().any(|v| v.transliterated);
        let cand_limit = if transliterated {
            2 * self.config.max_candidates
        } else {
            self.config.max_candidates
        };
        // Candidates are scored a batch at a time, best first; while a
        // batch still brings matches the next one is scored too (a name
        // shared by many listed entities, or a word in many of their
        // names, must not be cut at a fixed count).
        let readings = self.candidates(&form, cand_limit, cand_limit * RANKED_BATCHES);
        let near_miss = if transliterated { NEAR_MISS } else { 0.0 };
        let mut best: HashMap<u32, Match> = HashMap::default();
        // A listed name of one word that is one of the query's words meets
        // it through one key among hundreds of longer names with that word
        // (the alias "Hassan"): it is scored whatever its rank.
        let singles = self.single_word_names(&form);
        self.score_into(&mut best, &form, query, singles, threshold, 0.0);
        let step = cand_limit.max(1);
        for ranked_ids in &readings {
            let tier_start = |k: usize| k == 0 || ranked_ids[k].1 != ranked_ids[k - 1].1;
            let (mut at, mut batches) = (0, 0);
            while at < ranked_ids.len() && batches < MAX_BATCHES {
                let end = (at + step).min(ranked_ids.len());
                batches += 1;
                let batch = ranked_ids[at..end].iter().map(|(id, _)| *id);
                let passed = self.score_into(&mut best, &form, query, batch, threshold, near_miss);
                if passed > 0 {
                    at = end;
                    continue;
                }
                // A batch that brought nothing: the rest of its tier (names
                // meeting the query the same way, with more words of their
                // own) will not either; the next tier may ('ali, muhammad:
                // after the many longer names with both words spelt so
                // come Ali Mohammed and MUHAMMED ALI HIJAZI). A tier whose
                // best names bring nothing ends the search.
                if tier_start(at) {
                    break;
                }
                let w = ranked_ids[end - 1].1;
                at = end
                    + ranked_ids[end..]
                        .iter()
                        .take_while(|(_, x)| *x == w)
                        .count();
            }
        }
        ranked(best, limit)
    }

    /// Names of one word equal (by spelling key) to a word of the query.
    fn single_word_names(&self, form: &NameForm) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        let mut key = String::new();
        for v in &form.variants {
            for t in &v.tokens {
                if !matches!(t.kind, TokenKind::Word | TokenKind::Number) {
                    continue;
                }
                key.clear();
                key.push_str("1:");
                key.push_str(&t.phon);
                if let Some(ids) = self.postings.get(key.as_str()) {
                    out.extend(ids.iter().take(MAX_SINGLE_WORD_NAMES));
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Scores `ids` into `best` (the best match per entity); returns how
    /// many passed the threshold or came within `near_miss` of it (for a
    /// name that crossed scripts a batch of near misses is worth following:
    /// it meets its listed spelling late, Ким Чен Ын after KIM, Song).
    fn score_into(
        &self,
        best: &mut HashMap<u32, Match>,
        form: &NameForm,
        query: &Query,
        ids: impl IntoIterator<Item = u32>,
        threshold: f64,
        near_miss: f64,
    ) -> usize {
        let mut passed = 0;
        for id in ids {
            let n = &self.names[id as usize];
            let e = &self.entities[n.entity as usize];
            let class = match query.kind {
                Some(k) => class_of(k),
                None => class_of(e.kind),
            };
            // Score first; build the explanation only for what passes, from
            // the variant pair already found best.
            let Some((quick, qv, cv, native)) =
                best_pair(form, &n.form, class, &self.config.matcher)
            else {
                continue;
            };
            let listed = &e.names[n.name as usize];
            let (score, contributions) = adjust(quick, query, e, listed.kind);
            if score < threshold {
                if score >= threshold - near_miss {
                    passed += 1;
                }
                continue;
            }
            passed += 1;
            if best.get(&n.entity).is_some_and(|b| b.score >= score) {
                continue;
            }
            let ns = explain_pair(qv, cv, class, &self.config.matcher, native);
            let m = Match {
                entity_id: e.id.to_string(),
                source: e.source.clone(),
                kind: e.kind,
                name: e.primary_name().unwrap_or("").to_string(),
                matched_name: listed.full.clone(),
                matched_name_kind: listed.kind,
                score,
                name_score: ns.score,
                explanation: Explanation {
                    name: ns,
                    contributions,
                },
            };
            best.insert(n.entity, m);
        }
        passed
    }

    /// The entity behind a match id.
    pub fn entity(&self, id: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.id.as_str() == id)
    }
}

/// The best match per entity, best first, at most `limit`.
fn ranked(best: HashMap<u32, Match>, limit: usize) -> Vec<Match> {
    let mut out: Vec<Match> = best.into_values().collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.entity_id.cmp(&b.entity_id))
    });
    out.truncate(limit);
    out
}

/// How a date of birth compares with a listed one, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum DateFit {
    /// The year within the listed span; month and day equal where both
    /// give them.
    Fits,
    /// The same date with day and month swapped (a common clerical slip).
    Swapped,
    /// The same year, another day.
    SameYear,
    /// Another year: the strongest sign of two people with one name.
    OtherYear,
}

fn date_fit(d: &PartialDate, v: &DateValue) -> DateFit {
    let (lo, hi) = v.year_span();
    if d.year < lo || d.year > hi {
        return DateFit::OtherYear;
    }
    if let DateValue::Exact { date } = v {
        if let (Some(a), Some(b)) = (date.month, d.month) {
            match (date.day, d.day) {
                (Some(x), Some(y)) if a == b && x == y => return DateFit::Fits,
                (Some(x), Some(y)) if a == y && x == b => return DateFit::Swapped,
                (Some(_), Some(_)) => return DateFit::SameYear,
                _ if a != b => return DateFit::SameYear,
                _ => {}
            }
        }
    }
    DateFit::Fits
}

/// Combines the name score with the other facts; returns the score and
/// each feature's contribution.
fn adjust(name_score: f64, q: &Query, e: &Entity, name_kind: NameKind) -> (f64, Vec<Contribution>) {
    let mut s = name_score;
    let mut c = Vec::new();
    let mut add = |feature: &'static str, effect: f64, detail: String, s: &mut f64| {
        *s += effect;
        c.push(Contribution {
            feature,
            effect,
            detail,
        });
    };
    if name_kind == NameKind::WeakAka {
        add(
            "weak alias",
            -0.05,
            "matched a low-quality alias".into(),
            &mut s,
        );
    }
    // The weights follow the usual screening practice (nomenklatura's
    // logic-v2 takes 0.15 + 0.25 off for another year of birth and 0.2 for
    // another country): a name shared by two people is cleared by the year
    // they were born, not by the country they live in.
    if let Some(d) = &q.birth_date {
        if let Some(fit) = e.birth_dates.iter().map(|v| date_fit(d, v)).min() {
            let listed: Vec<String> = e.birth_dates.iter().map(|v| v.to_string()).collect();
            let listed = listed.join(", ");
            let (effect, detail) = match fit {
                DateFit::Fits => (0.05, format!("{d} fits {listed}")),
                DateFit::Swapped => (-0.05, format!("{d} is {listed} with day and month swapped")),
                DateFit::SameYear => (-0.15, format!("{d} is another day of the year of {listed}")),
                DateFit::OtherYear => (-0.3, format!("{d} is another year than {listed}")),
            };
            add("date of birth", effect, detail, &mut s);
        }
    }
    if let Some(cc) = &q.country {
        let all: Vec<&str> = e
            .nationalities
            .iter()
            .chain(e.countries.iter())
            .map(String::as_str)
            .collect();
        if !all.is_empty() {
            let mut listed = all.clone();
            listed.sort_unstable();
            listed.dedup();
            let listed = listed.join(", ");
            if all.iter().any(|x| x.eq_ignore_ascii_case(cc)) {
                add("country", 0.03, format!("{cc} is among {listed}"), &mut s);
            } else {
                add(
                    "country",
                    -0.1,
                    format!("{cc} is not among {listed}"),
                    &mut s,
                );
            }
        }
    }
    if let Some(k) = q.kind {
        if e.kind != EntityKind::Unknown && k != EntityKind::Unknown && k != e.kind {
            add(
                "kind",
                -0.2,
                format!("a {} is not a {}", k.as_str(), e.kind.as_str()),
                &mut s,
            );
        }
    }
    (s.clamp(0.0, 1.0), c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kansa_model::{Name, NameParts, Script};

    fn person(id: &str, name: &str) -> Entity {
        let mut e = Entity::new("test", id, EntityKind::Person);
        e.names.push(Name {
            full: name.to_string(),
            kind: NameKind::Primary,
            script: Script::Latin,
            parts: NameParts::default(),
            lang: None,
        });
        e
    }

    fn hits(listed: &[&str], query: &str) -> Vec<String> {
        let entities = listed
            .iter()
            .enumerate()
            .map(|(i, n)| person(&i.to_string(), n))
            .collect();
        let idx = ScreenIndex::build(entities, Readings::default(), IndexConfig::default());
        let q = Query {
            name: query.to_string(),
            ..Query::default()
        };
        idx.screen(&q, crate::DEFAULT_THRESHOLD, 10)
            .into_iter()
            .map(|m| m.matched_name)
            .collect()
    }

    #[test]
    fn a_date_of_birth_clears_a_namesake_and_supports_the_person() {
        let mut e = person("1", "ZHANG, Lei");
        e.birth_dates.push(DateValue::Exact {
            date: PartialDate::new(1984, Some(1), Some(8)).unwrap(),
        });
        e.nationalities.push("CN".into());
        let idx = ScreenIndex::build(vec![e], Readings::default(), IndexConfig::default());
        let score = |dob: Option<(u32, Option<u32>, Option<u32>)>, cc: Option<&str>| {
            let q = Query {
                name: "Lei Zhng".into(),
                birth_date: dob.map(|(y, m, d)| PartialDate::new(y, m, d).unwrap()),
                country: cc.map(str::to_string),
                kind: Some(EntityKind::Person),
            };
            idx.screen(&q, 0.0, 1)
                .first()
                .map(|m| m.score)
                .unwrap_or(0.0)
        };
        let name_only = score(None, None);
        assert!(name_only >= crate::DEFAULT_THRESHOLD);
        let fits = score(Some((1984, Some(1), Some(8))), Some("CN"));
        let swapped = score(Some((1984, Some(8), Some(1))), None);
        let same_year = score(Some((1984, Some(3), Some(2))), None);
        let year_only = score(Some((1984, None, None)), None);
        let other_year = score(Some((1990, Some(1), Some(8))), None);
        let elsewhere = score(Some((1990, Some(1), Some(8))), Some("JP"));
        assert!(
            fits > name_only && (year_only - name_only - 0.05).abs() < 1e-9,
            "{name_only} {fits} {year_only}"
        );
        assert!(name_only > swapped && swapped > same_year && same_year > other_year);
        // The same name, born in another year and living elsewhere: another person.
        assert!(other_year < crate::DEFAULT_THRESHOLD, "{other_year}");
        assert!(elsewhere < other_year);
    }

    /// A made-up word for the i-th filler name (letters only, all distinct).
    fn filler(i: usize) -> String {
        let a = (b'a' + (i / 26 % 26) as u8) as char;
        let b = (b'a' + (i % 26) as u8) as char;
        format!("Qu{a}{b}rtov")
    }

    #[test]
    fn a_name_of_one_word_is_found_among_many_longer_ones_but_alone_says_little() {
        // 150 listed people share the word Ahmed; one is listed as "AHMED, A."
        // and one alias is the bare "HASSAN" among 30 Hassans.
        let mut listed: Vec<String> = (0..150).map(|i| format!("AHMED, {}", filler(i))).collect();
        listed.extend((150..180).map(|i| format!("HASSAN, {}", filler(i))));
        listed.push("AHMED, A.".into());
        listed.push("HASSAN".into());
        let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
        // Found whatever its rank among the 150 (before: cut at 128 candidates).
        assert!(hits(&listed, "Ahmed Aziz").contains(&"AHMED, A.".to_string()));
        // A common given name alone is nobody in particular...
        assert!(!hits(&listed, "Hassan Aziz").contains(&"HASSAN".to_string()));
        // ...but still the name it is.
        assert!(hits(&listed, "Hassan").contains(&"HASSAN".to_string()));
    }

    #[test]
    fn words_two_listed_entities_bear_are_names_of_their_own() {
        // Khalil borne by one entity only: Khalid may be a misspelling of it.
        let one = ["MANSUR, Khalil", "KHALID, Ahmed", "KHALID, Yusuf"];
        assert_eq!(hits(&one, "Khalid Mansur"), ["MANSUR, Khalil"]);
        // Borne by two: Khalid and Khalil are two names.
        let two = [
            "MANSUR, Khalil",
            "KHALIL, Omar",
            "KHALID, Ahmed",
            "KHALID, Yusuf",
        ];
        assert!(hits(&two, "Khalid Mansur").is_empty());
        // A dropped letter is still a typo of the listed name.
        assert_eq!(hits(&two, "Khalil Mansr"), ["MANSUR, Khalil"]);
    }

    #[test]
    fn names_in_their_own_script_do_not_crowd_out_latin_ones() {
        // 300 names in Arabic letters with علي and أحمد among other words, and
        // one listed as "ALI, Ahmad": the query in Arabic letters meets the
        // Arabic ones twice (in their script and in Latin letters), the Latin
        // one once; it must still be scored.
        let others = ["حسن", "محمود", "خالد", "يوسف", "عمر", "سعيد"];
        let mut listed: Vec<String> = (0..300)
            .map(|i| {
                format!(
                    "{} {} علي أحمد {}",
                    others[i % 6],
                    others[i / 6 % 6],
                    others[i / 36 % 6]
                )
            })
            .collect();
        listed.push("ALI, Ahmad".into());
        let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
        assert!(hits(&listed, "علي الأحمد").contains(&"ALI, Ahmad".to_string()));
    }

    #[test]
    fn a_name_with_no_word_left_over_ranks_before_longer_ones() {
        // Forty relatives share four of the five words; the one whose own
        // words are all in the query comes before them.
        let mut listed: Vec<String> = (0..40)
            .map(|i| format!("AL-TIKRITI, {} Sabawi Ibrahim Hasan", filler(i)))
            .collect();
        listed.push("AL-TIKRITI, Sab'awi Ibrahim Hassan".into());
        let listed: Vec<&str> = listed.iter().map(String::as_str).collect();
        let found = hits(&listed, "Sa'd Sabawi Ibrahim Hasan al-Tikkriti");
        assert!(
            found.contains(&"AL-TIKRITI, Sab'awi Ibrahim Hassan".to_string()),
            "{found:?}"
        );
    }
}
