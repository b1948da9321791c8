//! Tells a list's format from its first bytes (and, for the OFAC files
//! whose content does not say which list they are, from the file name).

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// OFAC legacy CSV (`sdn.csv` / `cons_prim.csv` with alt, add, comments).
    OfacCsv,
    /// UN Security Council consolidated list XML.
    UnXml,
    /// US Consolidated Screening List CSV.
    UsCsl,
    /// BIS Denied Persons List (tab-separated).
    BisDpl,
    /// OFAC per-asset address files (`sanctioned_addresses_<ASSET>.txt|.json`).
    OfacCrypto,
    /// Japan MOF sanctions workbook (XLSX).
    JpMof,
    /// EU Financial Sanctions Files XML.
    EuFsf,
    /// OpenSanctions FollowTheMoney JSON lines.
    Ftm,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::OfacCsv,
        Format::UnXml,
        Format::UsCsl,
        Format::BisDpl,
        Format::OfacCrypto,
        Format::JpMof,
        Format::EuFsf,
        Format::Ftm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::OfacCsv => "ofac-csv",
            Format::UnXml => "un-xml",
            Format::UsCsl => "us-csl",
            Format::BisDpl => "bis-dpl",
            Format::OfacCrypto => "ofac-crypto",
            Format::JpMof => "jp-mof",
            Format::EuFsf => "eu-fsf",
            Format::Ftm => "ftm",
        }
    }

    pub fn from_name(s: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == s)
    }

    /// The source name a snapshot of this format gets unless the user names one.
    pub fn default_source(self, file_name: &str) -> &'static str {
        match self {
            Format::OfacCsv if file_name.contains("cons_") => "ofac-cons",
            Format::OfacCsv => "ofac-sdn",
            Format::UnXml => crate::un_xml::SOURCE,
            Format::UsCsl => crate::csl::SOURCE,
            Format::BisDpl => crate::dpl::SOURCE,
            Format::OfacCrypto => crate::ofac_crypto::SOURCE,
            Format::JpMof => crate::jp_mof::SOURCE,
            Format::EuFsf => crate::eu_fsf::SOURCE,
            Format::Ftm => crate::ftm::SOURCE,
        }
    }
}

/// Detects the format of a file from its name and first bytes (a few KiB).
pub fn detect_bytes(file_name: &str, head: &[u8]) -> Option<Format> {
    if head.starts_with(b"PK\x03\x04") {
        return Some(Format::JpMof);
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = String::from_utf8_lossy(head);
    let t = text.trim_start();
    if t.starts_with('<') {
        if t.contains("<CONSOLIDATED_LIST") {
            return Some(Format::UnXml);
        }
        if t.contains("fpi/fsd/export") || t.contains("<sanctionEntity") {
            return Some(Format::EuFsf);
        }
        return None;
    }
    if crate::ofac_crypto::asset_from_file_name(file_name).is_some() {
        return Some(Format::OfacCrypto);
    }
    if t.starts_with('{') && t.contains("\"schema\"") {
        return Some(Format::Ftm);
    }
    let first = t.lines().next().unwrap_or("").to_ascii_lowercase();
    if first.contains("source") && first.contains(",name,") {
        return Some(Format::UsCsl);
    }
    if first.contains("name") && first.contains('\t') && first.contains("effective_date") {
        return Some(Format::BisDpl);
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(t.as_bytes());
    if let Some(Ok(rec)) = rdr.records().next() {
        let numeric = rec
            .get(0)
            .is_some_and(|f| !f.trim().is_empty() && f.trim().chars().all(|c| c.is_ascii_digit()));
        let typed = rec
            .get(2)
            .is_some_and(|f| matches!(f.trim(), "individual" | "vessel" | "aircraft" | "-0-"));
        if numeric && rec.len() == 12 && typed {
            return Some(Format::OfacCsv);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_their_first_bytes() {
        assert_eq!(
            detect_bytes(
                "x.xml",
                b"<?xml version=\"1.0\"?>\n<CONSOLIDATED_LIST dateGenerated=\"x\">"
            ),
            Some(Format::UnXml)
        );
        assert_eq!(
            detect_bytes(
                "x.xml",
                b"<?xml version=\"1.0\"?><export xmlns=\"http://eu.europa.ec/fpi/fsd/export\">"
            ),
            Some(Format::EuFsf)
        );
        assert_eq!(detect_bytes("sdn.csv", b"36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"), Some(Format::OfacCsv));
        assert_eq!(
            detect_bytes("a.csv", b"source,entity_number,type,programs,name,title\n"),
            Some(Format::UsCsl)
        );
        assert_eq!(
            detect_bytes(
                "d.txt",
                b"\"Name\"\t\"Street_Address\"\t\"Effective_Date\"\n"
            ),
            Some(Format::BisDpl)
        );
        assert_eq!(
            detect_bytes(
                "sanctioned_addresses_ETH.txt",
                b"0x01e2919679362dFBC9ee1644Ba9C6da6D6245BB1\n"
            ),
            Some(Format::OfacCrypto)
        );
        assert_eq!(
            detect_bytes(
                "e.json",
                b"{\"id\":\"x\",\"schema\":\"Person\",\"properties\":{}}\n"
            ),
            Some(Format::Ftm)
        );
        assert_eq!(
            detect_bytes("w.xlsx", b"PK\x03\x04rest"),
            Some(Format::JpMof)
        );
        assert_eq!(detect_bytes("n.txt", b"hello world\n"), None);
        assert_eq!(detect_bytes("n.html", b"<html><body>"), None);
    }
}
