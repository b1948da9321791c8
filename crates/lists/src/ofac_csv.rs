//! OFAC's legacy CSV format: a primary file (`sdn.csv`, or `cons_prim.csv`
//! for the non-SDN consolidated list) plus optional `alt` (aliases), `add`
//! (addresses) and `comments` (the continuation of remarks longer than the
//! primary file's 1,000-character field) files, all keyed by entity number.
//!
//! OFAC publishes every file sorted by entity number, so the files are
//! joined by a streaming merge: memory holds one entity at a time. A file
//! out of order is refused with the line where order breaks. Rows of an
//! auxiliary file whose entity is not in the primary file are reported as
//! warnings (OFAC's own 2019 files contain such comment rows).

use crate::guard::{check_text_start, first_line_is_crlf, RunGuard, MAX_RUN};
use crate::util::{country, name, read_record};
use crate::{remarks, Input, ListError, Location, ParseSummary, Sink};
use kansa_model::{Address, Entity, EntityKind, NameKind, NameParts, VesselInfo};
use std::io::{BufRead, Read};

/// The files of one OFAC CSV snapshot.
#[derive(Debug)]
pub struct OfacInputs<R> {
    /// `ofac-sdn` or `ofac-cons` (or a name the user chose).
    pub source: String,
    pub primary: Input<R>,
    pub alt: Option<Input<R>>,
    pub add: Option<Input<R>>,
    pub comments: Option<Input<R>>,
}

struct Row {
    ent: u64,
    line: u64,
    fields: csv::StringRecord,
}

struct Stream<R: Read> {
    name: String,
    rdr: csv::Reader<RunGuard<R>>,
    crlf: bool,
    min_fields: usize,
    max_fields: usize,
    last: Option<u64>,
    peeked: Option<Row>,
    done: bool,
    orphans: u64,
    first_orphan: Option<u64>,
}

/// OFAC writes `-0-` (with a trailing space) for an empty field.
pub(crate) fn value(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() || t == "-0-" {
        None
    } else {
        kansa_text::clean_opt(t)
    }
}

impl<R: Read> Stream<R> {
    fn new(input: Input<R>, min_fields: usize, max_fields: usize) -> Result<Self, ListError>
    where
        R: BufRead,
    {
        let Input { name, mut reader } = input;
        check_text_start(&name, &mut reader)?;
        let crlf = first_line_is_crlf(&mut reader);
        let rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(RunGuard::new(reader, b"\n", MAX_RUN));
        Ok(Stream {
            name,
            rdr,
            crlf,
            min_fields,
            max_fields,
            last: None,
            peeked: None,
            done: false,
            orphans: 0,
            first_orphan: None,
        })
    }

    fn read(&mut self) -> Result<Option<Row>, ListError> {
        let mut raw = csv::ByteRecord::new();
        loop {
            if self.done {
                return Ok(None);
            }
            let Some(rec) = read_record(&self.name, &mut self.rdr, &mut raw, self.crlf)? else {
                self.done = true;
                return Ok(None);
            };
            let line = rec.position().map(|p| p.line()).unwrap_or(0);
            // The DOS end-of-file marker OFAC appends, and blank lines.
            if rec.iter().all(|f| {
                f.trim_matches(|c: char| c == '\u{1a}' || c.is_whitespace())
                    .is_empty()
            }) {
                continue;
            }
            if rec.len() < self.min_fields || rec.len() > self.max_fields {
                let expected = if self.min_fields == self.max_fields {
                    format!("{}", self.min_fields)
                } else {
                    format!("{} to {}", self.min_fields, self.max_fields)
                };
                return Err(ListError::invalid(
                    &self.name,
                    Location::Line(line),
                    format!(
                        "expected {expected} fields, found {} (the file is truncated or not an OFAC CSV file)",
                        rec.len()
                    ),
                ));
            }
            let raw = rec.get(0).unwrap_or("").trim();
            let ent: u64 = raw.parse().map_err(|_| {
                ListError::invalid(
                    &self.name,
                    Location::Line(line),
                    format!("field 1 (entity number) is {raw:?}, not a number"),
                )
            })?;
            if let Some(last) = self.last {
                if ent < last {
                    return Err(ListError::invalid(
                        &self.name,
                        Location::Line(line),
                        format!("entity number {ent} follows {last}: OFAC files are sorted by entity number, this one is not"),
                    ));
                }
            }
            self.last = Some(ent);
            return Ok(Some(Row {
                ent,
                line,
                fields: rec,
            }));
        }
    }

    /// All rows for entity `ent`, skipping (and counting) rows for entities
    /// that the primary file does not have.
    fn take(&mut self, ent: u64) -> Result<Vec<Row>, ListError> {
        let mut out = Vec::new();
        loop {
            if self.peeked.is_none() {
                self.peeked = self.read()?;
            }
            let Some(row) = self.peeked.take() else {
                return Ok(out);
            };
            if row.ent < ent {
                self.orphan(row.ent);
            } else if row.ent == ent {
                out.push(row);
            } else {
                self.peeked = Some(row);
                return Ok(out);
            }
        }
    }

    fn orphan(&mut self, ent: u64) {
        self.orphans += 1;
        self.first_orphan.get_or_insert(ent);
    }

    fn drain(&mut self) -> Result<(), ListError> {
        if let Some(row) = self.peeked.take() {
            self.orphan(row.ent);
        }
        while let Some(row) = self.read()? {
            self.orphan(row.ent);
        }
        Ok(())
    }
}

fn kind_of(file: &str, line: u64, s: &str) -> Result<EntityKind, ListError> {
    match s.trim() {
        "individual" => Ok(EntityKind::Person),
        "vessel" => Ok(EntityKind::Vessel),
        "aircraft" => Ok(EntityKind::Aircraft),
        "-0-" | "" | "entity" => Ok(EntityKind::Organization),
        other => Err(ListError::invalid(
            file,
            Location::Line(line),
            format!("field 3 (type) is {other:?}; expected individual, vessel, aircraft or -0-"),
        )),
    }
}

/// `FAMILY, Given` for individuals.
fn person_parts(kind: EntityKind, full: &str) -> NameParts {
    if kind != EntityKind::Person {
        return NameParts::default();
    }
    match full.split_once(", ") {
        Some((family, given)) => NameParts {
            family: kansa_text::clean_opt(family),
            given: kansa_text::clean_opt(given),
            ..NameParts::default()
        },
        None => NameParts::default(),
    }
}

/// Parses one OFAC CSV snapshot, handing each entity to `sink`.
pub fn parse<R: BufRead>(
    inputs: OfacInputs<R>,
    sink: &mut Sink,
) -> Result<ParseSummary, ListError> {
    let source = inputs.source;
    let mut primary = Stream::new(inputs.primary, 12, 12)?;
    let mut alt = inputs.alt.map(|i| Stream::new(i, 5, 5)).transpose()?;
    let mut add = inputs.add.map(|i| Stream::new(i, 6, 6)).transpose()?;
    let mut comments = inputs.comments.map(|i| Stream::new(i, 2, 3)).transpose()?;
    let mut summary = ParseSummary::default();
    let mut last_ent = None;

    while let Some(row) = primary.read()? {
        if last_ent == Some(row.ent) {
            return Err(ListError::invalid(
                &primary.name,
                Location::Line(row.line),
                format!("entity number {} appears twice", row.ent),
            ));
        }
        last_ent = Some(row.ent);
        let f = &row.fields;
        let get = |i: usize| f.get(i).unwrap_or("");
        let kind = kind_of(&primary.name, row.line, get(2))?;
        let Some(full) = value(get(1)) else {
            return Err(ListError::invalid(
                &primary.name,
                Location::Line(row.line),
                "field 2 (name) is empty",
            ));
        };
        let mut e = Entity::new(&source, &row.ent.to_string(), kind);
        e.names
            .extend(name(&full, NameKind::Primary, person_parts(kind, &full)));
        if let Some(p) = value(get(3)) {
            for prog in p.split("] [") {
                let prog = prog.trim_matches(|c| c == '[' || c == ']' || c == ' ');
                if !prog.is_empty() {
                    Entity::push_unique(&mut e.programs, prog.to_string());
                }
            }
        }
        if let Some(t) = value(get(4)) {
            e.titles.push(t);
        }
        let vessel = VesselInfo {
            call_sign: value(get(5)),
            vessel_type: value(get(6)),
            tonnage: value(get(7)),
            gross_registered_tonnage: value(get(8)),
            flag: value(get(9)),
            owner: value(get(10)),
        };
        if !vessel.is_empty() {
            e.vessel = Some(vessel);
        }
        let mut remarks_text = value(get(11)).unwrap_or_default();

        if let Some(s) = alt.as_mut() {
            for r in s.take(row.ent)? {
                let g = |i: usize| r.fields.get(i).unwrap_or("");
                let nk = match g(2).trim() {
                    "fka" => NameKind::Fka,
                    "nka" => NameKind::Nka,
                    _ => NameKind::Aka,
                };
                if let Some(n) =
                    value(g(3)).and_then(|full| name(&full, nk, person_parts(kind, &full)))
                {
                    if !e.names.iter().any(|x| x.full == n.full && x.kind == n.kind) {
                        e.names.push(n);
                    }
                }
            }
        }
        if let Some(s) = add.as_mut() {
            for r in s.take(row.ent)? {
                let g = |i: usize| r.fields.get(i).unwrap_or("");
                let country_name = value(g(4));
                let code = country_name.as_deref().and_then(country);
                let a = Address {
                    street: value(g(2)),
                    city: value(g(3)),
                    country: code.clone().filter(|c| c.len() == 2),
                    country_name,
                    note: value(g(5)),
                    ..Address::default()
                };
                if let Some(c) = code {
                    Entity::push_unique(&mut e.countries, c);
                }
                if !a.is_empty() {
                    Entity::push_unique(&mut e.addresses, a);
                }
            }
        }
        if let Some(s) = comments.as_mut() {
            for r in s.take(row.ent)? {
                // The continuation is appended verbatim: OFAC cuts mid-word.
                remarks_text.push_str(r.fields.get(1).unwrap_or(""));
            }
        }
        let remarks_text = remarks_text.trim().to_string();
        if !remarks_text.is_empty() {
            remarks::apply(&mut e, &remarks_text);
            e.remarks = Some(remarks_text);
        }
        summary.entities += 1;
        sink(e).map_err(ListError::Sink)?;
    }
    for s in [alt.as_mut(), add.as_mut(), comments.as_mut()]
        .into_iter()
        .flatten()
    {
        s.drain()?;
        if s.orphans > 0 {
            summary.warnings.push(format!(
                "{}: {} row(s) refer to entities not in {} (first: entity {}); ignored",
                s.name,
                s.orphans,
                primary.name,
                s.first_orphan.unwrap_or(0)
            ));
        }
    }
    Ok(summary)
}
