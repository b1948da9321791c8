//! A streaming XML record reader shared by the XML formats.
//!
//! Lists are long sequences of small records (`<INDIVIDUAL>`,
//! `<sanctionEntity>`). This reader walks the document with quick-xml and
//! returns one record at a time as a small tree, so memory is bounded by
//! the largest record. Documents that declare entities are refused outright:
//! that shuts the door on entity-expansion ("billion laughs") and external-
//! entity attacks, and no official list uses a DTD.

use crate::guard::{check_text_start, RunGuard, MAX_RUN};
use crate::{Input, ListError, Location};
use quick_xml::events::Event;
use std::io::{BufRead, BufReader};

/// Most nodes accepted in one record.
const MAX_NODES: usize = 200_000;
const MAX_DEPTH: usize = 64;

#[derive(Debug, Default, Clone)]
pub(crate) struct Node {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
}

impl Node {
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Cleaned, non-empty text of a direct child.
    pub fn text_of(&self, name: &str) -> Option<String> {
        self.child(name)
            .and_then(|c| kansa_text::clean_opt(&c.text))
    }

    /// Cleaned, non-empty texts of `<name><VALUE>..</VALUE></name>` lists.
    pub fn values_of(&self, name: &str) -> Vec<String> {
        self.all(name)
            .flat_map(|c| c.all("VALUE"))
            .filter_map(|v| kansa_text::clean_opt(&v.text))
            .collect()
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty())
    }
}

pub(crate) struct XmlRecords<R: BufRead> {
    file: String,
    reader: quick_xml::Reader<BufReader<RunGuard<R>>>,
    buf: Vec<u8>,
    stack: Vec<String>,
    /// The document element with its attributes, once seen.
    pub root: Option<Node>,
    pub records: u64,
}

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_string()
}

impl<R: BufRead> XmlRecords<R> {
    pub fn new(input: Input<R>) -> Result<Self, ListError> {
        let Input { name, mut reader } = input;
        check_text_start(&name, &mut reader)?;
        let mut reader =
            quick_xml::Reader::from_reader(BufReader::new(RunGuard::new(reader, b"<>\n", MAX_RUN)));
        reader.config_mut().trim_text(false);
        Ok(XmlRecords {
            file: name,
            reader,
            buf: Vec::new(),
            stack: Vec::new(),
            root: None,
            records: 0,
        })
    }

    fn err(&self, msg: impl Into<String>) -> ListError {
        ListError::invalid(
            &self.file,
            Location::Byte(self.reader.buffer_position()),
            msg,
        )
    }

    fn xml_err(&self, e: quick_xml::Error) -> ListError {
        match e {
            quick_xml::Error::Io(io) => {
                ListError::io(&self.file, std::io::Error::new(io.kind(), io.to_string()))
            }
            other => self.err(format!("malformed XML: {other}")),
        }
    }

    fn start_node(&self, e: &quick_xml::events::BytesStart) -> Result<Node, ListError> {
        let mut node = Node {
            name: local(e.name().as_ref()),
            ..Node::default()
        };
        for a in e.attributes() {
            let a = a.map_err(|e| self.err(format!("malformed attribute: {e}")))?;
            let v = a
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| self.err(format!("attribute value: {e}")))?;
            node.attrs.push((local(a.key.as_ref()), v.into_owned()));
        }
        Ok(node)
    }

    fn check_doctype(&self, text: &str) -> Result<(), ListError> {
        if text.to_ascii_uppercase().contains("<!ENTITY") || text.contains("SYSTEM") {
            return Err(self.err(
                "the document declares entities in a DTD: refused (entity expansion is a known attack, and no list format uses it)",
            ));
        }
        Ok(())
    }

    fn resolve_ref(&self, r: &quick_xml::events::BytesRef) -> Result<String, ListError> {
        if let Some(c) = r
            .resolve_char_ref()
            .map_err(|e| self.err(format!("bad character reference: {e}")))?
        {
            return Ok(c.to_string());
        }
        let name = r.xml10_content();
        match quick_xml::escape::resolve_predefined_entity(&name) {
            Some(s) => Ok(s.to_string()),
            None => Err(self.err(format!("undefined entity &{name};"))),
        }
    }

    /// The next element for which `is_record(parent_path, name)` holds,
    /// read whole; `None` at the end of the document.
    pub fn next(
        &mut self,
        is_record: impl Fn(&[String], &str) -> bool,
    ) -> Result<Option<Node>, ListError> {
        loop {
            self.buf.clear();
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev.into_owned(),
                Err(e) => return Err(self.xml_err(e)),
            };
            match ev {
                Event::DocType(t) => {
                    let t = t.xml10_content().into_owned();
                    self.check_doctype(&t)?;
                }
                Event::Start(e) => {
                    let node = self.start_node(&e)?;
                    if self.root.is_none() {
                        self.root = Some(node.clone());
                    }
                    if is_record(&self.stack, &node.name) {
                        let rec = self.read_rest(node)?;
                        self.records += 1;
                        return Ok(Some(rec));
                    }
                    self.stack.push(node.name);
                    if self.stack.len() > MAX_DEPTH {
                        return Err(self.err("elements nested too deeply"));
                    }
                }
                Event::Empty(e) => {
                    let node = self.start_node(&e)?;
                    if self.root.is_none() {
                        self.root = Some(node.clone());
                    }
                    if is_record(&self.stack, &node.name) {
                        self.records += 1;
                        return Ok(Some(node));
                    }
                }
                Event::End(_) => {
                    self.stack.pop();
                }
                Event::GeneralRef(r) => {
                    self.resolve_ref(&r)?;
                }
                Event::Eof => {
                    if !self.stack.is_empty() {
                        return Err(self.err(format!(
                            "the document ends inside <{}>: the file is truncated",
                            self.stack.join("><")
                        )));
                    }
                    if self.root.is_none() {
                        return Err(self.err("no XML element found: the file is empty or not XML"));
                    }
                    return Ok(None);
                }
                _ => {}
            }
        }
    }

    fn read_rest(&mut self, root: Node) -> Result<Node, ListError> {
        let mut path: Vec<Node> = vec![root];
        let mut nodes = 1usize;
        loop {
            self.buf.clear();
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(ev) => ev.into_owned(),
                Err(e) => return Err(self.xml_err(e)),
            };
            match ev {
                Event::Start(e) => {
                    let n = self.start_node(&e)?;
                    path.push(n);
                    nodes += 1;
                    if path.len() > MAX_DEPTH || nodes > MAX_NODES {
                        return Err(self.err("record too large or nested too deeply"));
                    }
                }
                Event::Empty(e) => {
                    let n = self.start_node(&e)?;
                    nodes += 1;
                    if nodes > MAX_NODES {
                        return Err(self.err("record too large"));
                    }
                    if let Some(top) = path.last_mut() {
                        top.children.push(n);
                    }
                }
                Event::Text(t) => {
                    if let Some(top) = path.last_mut() {
                        top.text.push_str(&t.xml10_content());
                    }
                }
                Event::CData(t) => {
                    if let Some(top) = path.last_mut() {
                        top.text.push_str(&t.xml10_content());
                    }
                }
                Event::GeneralRef(r) => {
                    let s = self.resolve_ref(&r)?;
                    if let Some(top) = path.last_mut() {
                        top.text.push_str(&s);
                    }
                }
                Event::End(_) => {
                    let Some(done) = path.pop() else {
                        return Err(self.err("unbalanced end tag"));
                    };
                    match path.last_mut() {
                        Some(parent) => parent.children.push(done),
                        None => return Ok(done),
                    }
                }
                Event::Eof => {
                    return Err(self.err(format!(
                        "the document ends inside <{}>: the file is truncated",
                        path.iter()
                            .map(|n| n.name.as_str())
                            .collect::<Vec<_>>()
                            .join("><")
                    )))
                }
                _ => {}
            }
        }
    }
}
