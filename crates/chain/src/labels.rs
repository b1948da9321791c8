//! Address labels: GraphSense TagPacks (YAML) read into one label per
//! address, each with its risk category, label text, actor, source and
//! confidence. A TagPack's header fields (category, abuse, label, actor,
//! source, confidence, currency) apply to every tag that does not set its
//! own.

use serde::Serialize;
use serde_yaml::Value;

/// One label of an address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AddressLabel {
    pub address: String,
    /// Chain or asset as the source writes it (BTC, ETH, TRX, ...).
    pub currency: String,
    /// Risk category: sanctions, hack, ransomware, scam, darknet_market,
    /// mixer, gambling, exchange, ... (see [`risk_category`]).
    pub category: String,
    pub label: String,
    pub actor: Option<String>,
    pub source: String,
    pub confidence: Option<String>,
    /// The pack (or list) it came from.
    pub pack: String,
}

/// The risk category of a TagPack tag: its `abuse` when it has one (the
/// reason an address is risky), else its `category` (what the address is).
pub fn risk_category(category: Option<&str>, abuse: Option<&str>) -> String {
    let norm = |s: &str| s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
    if let Some(a) = abuse.map(norm).filter(|a| !a.is_empty()) {
        return match a.as_str() {
            "sanction" | "sanctions" | "sanctioned" => "sanctions",
            "service_hack" | "hack" | "exploit" | "theft" => "hack",
            "ransomware" => "ransomware",
            "scam" | "ponzi_scheme" | "ponzi" | "phishing" | "sextortion" => "scam",
            "darknet_market" | "darkweb" | "darknet" => "darknet_market",
            "terrorism" | "terrorist_financing" => "terrorist_financing",
            "mixing" | "mixer" => "mixer",
            _ => return a,
        }
        .to_string();
    }
    let c = category.map(norm).unwrap_or_default();
    match c.as_str() {
        "mixing_service" | "mixer" | "coinjoin" => "mixer".into(),
        // Services that turn one asset into another: a trace crosses them.
        "defi_dex" | "dex" | "swap" | "swap_service" | "instant_exchange" | "amm" => "swap".into(),
        "defi_bridge" | "bridge" | "cross_chain_bridge" => "bridge".into(),
        "" => "unknown".into(),
        _ => c,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Reads one TagPack. `name` (the file) names it in errors and is the
/// pack's name when it has no title.
pub fn parse_tagpack(bytes: &[u8], name: &str) -> Result<Vec<AddressLabel>, String> {
    let doc: Value =
        serde_yaml::from_slice(bytes).map_err(|e| format!("{name}: not valid YAML: {e}"))?;
    let Value::Mapping(header) = &doc else {
        return Err(format!("{name}: a TagPack is a mapping with a `tags` list"));
    };
    let get = |k: &str| header.get(Value::String(k.into()));
    let tags = match get("tags") {
        Some(Value::Sequence(t)) => t,
        Some(_) => return Err(format!("{name}: `tags` is not a list")),
        None if get("actors").is_some() => {
            return Err(format!(
                "{name}: an ActorPack (actors, not address tags): nothing to import"
            ))
        }
        None => return Err(format!("{name}: no `tags` list: not a TagPack")),
    };
    let pack = text(get("title")).unwrap_or_else(|| name.to_string());
    let mut out = Vec::with_capacity(tags.len());
    for (i, t) in tags.iter().enumerate() {
        let Value::Mapping(tag) = t else {
            return Err(format!("{name}: tag {} is not a mapping", i + 1));
        };
        let field = |k: &str| text(tag.get(Value::String(k.into()))).or_else(|| text(get(k)));
        let address =
            field("address").ok_or_else(|| format!("{name}: tag {} has no address", i + 1))?;
        let currency = field("currency").unwrap_or_default().to_ascii_uppercase();
        let label = field("label").unwrap_or_else(|| pack.clone());
        let mut category = risk_category(field("category").as_deref(), field("abuse").as_deref());
        // A pack of a sanctions list that tags its addresses as mere users
        // (GraphSense's OFAC pack does) still marks sanctioned addresses.
        let source = field("source").unwrap_or_default();
        if field("abuse").is_none()
            && matches!(category.as_str(), "user" | "unknown")
            && (label.to_ascii_lowercase().contains("sanctions list")
                || pack.to_ascii_lowercase().contains("sanctions list")
                || source.contains("treasury.gov/ofac")
                || source.contains("sdnlist"))
        {
            category = "sanctions".into();
        }
        out.push(AddressLabel {
            address,
            currency,
            category,
            label,
            actor: field("actor"),
            source,
            confidence: field("confidence"),
            pack: pack.clone(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_fields_apply_to_tags_unless_overridden() {
        let y = b"title: T\ncategory: user\nabuse: sanction\nlabel: L\nactor: a\nsource: s\ncurrency: BTC\ntags:\n- address: x1\n- address: x2\n  label: own\n  abuse: ransomware\n  currency: eth\n";
        let l = parse_tagpack(y, "t.yaml").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(
            (
                l[0].category.as_str(),
                l[0].label.as_str(),
                l[0].currency.as_str()
            ),
            ("sanctions", "L", "BTC")
        );
        assert_eq!(
            (
                l[1].category.as_str(),
                l[1].label.as_str(),
                l[1].currency.as_str()
            ),
            ("ransomware", "own", "ETH")
        );
        assert_eq!(l[1].pack, "T");
    }

    #[test]
    fn bad_packs_are_named() {
        assert!(parse_tagpack(b"tags: 3", "a.yaml")
            .unwrap_err()
            .contains("a.yaml: `tags` is not a list"));
        assert!(parse_tagpack(b"tags:\n- label: x\n", "b.yaml")
            .unwrap_err()
            .contains("b.yaml: tag 1 has no address"));
        assert!(parse_tagpack(b"actors: []\n", "c.yaml")
            .unwrap_err()
            .contains("ActorPack"));
        assert!(parse_tagpack(b"tags: [\n", "d.yaml")
            .unwrap_err()
            .contains("d.yaml: not valid YAML"));
    }

    #[test]
    fn categories() {
        assert_eq!(risk_category(Some("mixing_service"), None), "mixer");
        assert_eq!(risk_category(Some("defi_dex"), None), "swap");
        assert_eq!(risk_category(Some("defi_bridge"), None), "bridge");
        assert_eq!(risk_category(Some("exchange"), None), "exchange");
        assert_eq!(risk_category(Some("user"), Some("service_hack")), "hack");
        assert_eq!(risk_category(None, None), "unknown");
    }
}
