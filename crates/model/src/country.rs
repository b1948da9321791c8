//! Country names to ISO 3166-1 alpha-2 codes.
//!
//! Lists spell countries their own way: OFAC writes "Korea, North", the UN
//! "Democratic People's Republic of Korea", Japan's MOF 北朝鮮. This table maps
//! the spellings seen in those lists (compared case- and punctuation-
//! insensitively) to one code, so that screening can compare countries.

/// (code, canonical English name, further spellings)
const COUNTRIES: &[(&str, &str, &[&str])] = &[
    ("AF", "Afghanistan", &["アフガニスタン"]),
    ("AL", "Albania", &[]),
    ("DZ", "Algeria", &["アルジェリア"]),
    ("AD", "Andorra", &[]),
    ("AO", "Angola", &[]),
    ("AG", "Antigua and Barbuda", &[]),
    ("AR", "Argentina", &[]),
    ("AM", "Armenia", &[]),
    ("AW", "Aruba", &[]),
    ("AU", "Australia", &["オーストラリア"]),
    ("AT", "Austria", &[]),
    ("AZ", "Azerbaijan", &[]),
    ("BS", "Bahamas", &["The Bahamas", "Bahamas, The"]),
    ("BH", "Bahrain", &[]),
    ("BD", "Bangladesh", &[]),
    ("BB", "Barbados", &[]),
    ("BY", "Belarus", &["ベラルーシ"]),
    ("BE", "Belgium", &[]),
    ("BZ", "Belize", &[]),
    ("BJ", "Benin", &[]),
    ("BT", "Bhutan", &[]),
    (
        "BO",
        "Bolivia",
        &[
            "Bolivia (Plurinational State of)",
            "Plurinational State of Bolivia",
        ],
    ),
    ("BA", "Bosnia and Herzegovina", &["Bosnia-Herzegovina"]),
    ("BW", "Botswana", &[]),
    ("BR", "Brazil", &[]),
    ("VG", "British Virgin Islands", &["Virgin Islands, British"]),
    ("BN", "Brunei", &["Brunei Darussalam"]),
    ("BG", "Bulgaria", &[]),
    ("BF", "Burkina Faso", &[]),
    ("MM", "Myanmar", &["Burma", "ミャンマー"]),
    ("BI", "Burundi", &[]),
    ("KH", "Cambodia", &[]),
    ("CM", "Cameroon", &[]),
    ("CA", "Canada", &["カナダ"]),
    ("CV", "Cabo Verde", &["Cape Verde"]),
    ("KY", "Cayman Islands", &[]),
    (
        "CF",
        "Central African Republic",
        &["中央アフリカ", "中央アフリカ共和国"],
    ),
    ("TD", "Chad", &[]),
    ("CL", "Chile", &[]),
    (
        "CN",
        "China",
        &["People's Republic of China", "中国", "中華人民共和国"],
    ),
    ("CO", "Colombia", &[]),
    ("KM", "Comoros", &[]),
    (
        "CG",
        "Congo",
        &[
            "Republic of the Congo",
            "Congo, Republic of the",
            "Congo-Brazzaville",
        ],
    ),
    (
        "CD",
        "Democratic Republic of the Congo",
        &[
            "Congo, Democratic Republic of the",
            "DRC",
            "Congo-Kinshasa",
            "コンゴ民主共和国",
        ],
    ),
    ("CR", "Costa Rica", &[]),
    ("CI", "Côte d'Ivoire", &["Cote d'Ivoire", "Ivory Coast"]),
    ("HR", "Croatia", &[]),
    ("CU", "Cuba", &["キューバ"]),
    ("CW", "Curaçao", &["Curacao"]),
    ("CY", "Cyprus", &["キプロス"]),
    ("CZ", "Czechia", &["Czech Republic"]),
    ("DK", "Denmark", &[]),
    ("DJ", "Djibouti", &[]),
    ("DM", "Dominica", &[]),
    ("DO", "Dominican Republic", &[]),
    ("EC", "Ecuador", &[]),
    ("EG", "Egypt", &["エジプト"]),
    ("SV", "El Salvador", &[]),
    ("GQ", "Equatorial Guinea", &[]),
    ("ER", "Eritrea", &[]),
    ("EE", "Estonia", &[]),
    ("SZ", "Eswatini", &["Swaziland"]),
    ("ET", "Ethiopia", &[]),
    ("FJ", "Fiji", &[]),
    ("FI", "Finland", &[]),
    ("FR", "France", &["フランス"]),
    ("GA", "Gabon", &[]),
    ("GM", "Gambia", &["The Gambia", "Gambia, The"]),
    ("GE", "Georgia", &[]),
    ("DE", "Germany", &["ドイツ"]),
    ("GH", "Ghana", &[]),
    ("GI", "Gibraltar", &[]),
    ("GR", "Greece", &[]),
    ("GD", "Grenada", &[]),
    ("GT", "Guatemala", &[]),
    ("GG", "Guernsey", &[]),
    ("GN", "Guinea", &[]),
    ("GW", "Guinea-Bissau", &[]),
    ("GY", "Guyana", &[]),
    ("HT", "Haiti", &[]),
    ("HN", "Honduras", &[]),
    (
        "HK",
        "Hong Kong",
        &[
            "Hong Kong SAR",
            "China, Hong Kong Special Administrative Region",
            "香港",
        ],
    ),
    ("HU", "Hungary", &[]),
    ("IS", "Iceland", &[]),
    ("IN", "India", &["インド"]),
    ("ID", "Indonesia", &["インドネシア"]),
    (
        "IR",
        "Iran",
        &[
            "Iran (Islamic Republic of)",
            "Islamic Republic of Iran",
            "イラン",
        ],
    ),
    ("IQ", "Iraq", &["イラク"]),
    ("IE", "Ireland", &[]),
    ("IM", "Isle of Man", &["Man, Isle of"]),
    ("IL", "Israel", &[]),
    ("IT", "Italy", &["イタリア"]),
    ("JM", "Jamaica", &[]),
    ("JP", "Japan", &["日本"]),
    ("JE", "Jersey", &[]),
    ("JO", "Jordan", &["ヨルダン"]),
    ("KZ", "Kazakhstan", &[]),
    ("KE", "Kenya", &[]),
    ("KI", "Kiribati", &[]),
    (
        "KP",
        "North Korea",
        &[
            "Korea, North",
            "Democratic People's Republic of Korea",
            "DPRK",
            "Korea, Democratic People's Republic of",
            "北朝鮮",
            "朝鮮民主主義人民共和国",
        ],
    ),
    (
        "KR",
        "South Korea",
        &[
            "Korea, South",
            "Republic of Korea",
            "Korea, Republic of",
            "韓国",
            "大韓民国",
        ],
    ),
    ("XK", "Kosovo", &[]),
    ("KW", "Kuwait", &["クウェート"]),
    ("KG", "Kyrgyzstan", &[]),
    ("LA", "Laos", &["Lao People's Democratic Republic"]),
    ("LV", "Latvia", &[]),
    ("LB", "Lebanon", &["レバノン"]),
    ("LS", "Lesotho", &[]),
    ("LR", "Liberia", &[]),
    ("LY", "Libya", &["リビア"]),
    ("LI", "Liechtenstein", &[]),
    ("LT", "Lithuania", &[]),
    ("LU", "Luxembourg", &[]),
    ("MO", "Macau", &["Macao"]),
    ("MG", "Madagascar", &[]),
    ("MW", "Malawi", &[]),
    ("MY", "Malaysia", &["マレーシア"]),
    ("MV", "Maldives", &[]),
    ("ML", "Mali", &["マリ"]),
    ("MT", "Malta", &[]),
    ("MH", "Marshall Islands", &[]),
    ("MR", "Mauritania", &[]),
    ("MU", "Mauritius", &[]),
    ("MX", "Mexico", &["メキシコ"]),
    ("FM", "Micronesia", &["Micronesia, Federated States of"]),
    ("MD", "Moldova", &["Republic of Moldova"]),
    ("MC", "Monaco", &[]),
    ("MN", "Mongolia", &[]),
    ("ME", "Montenegro", &[]),
    ("MA", "Morocco", &[]),
    ("MZ", "Mozambique", &[]),
    ("NA", "Namibia", &[]),
    ("NR", "Nauru", &[]),
    ("NP", "Nepal", &[]),
    ("NL", "Netherlands", &["The Netherlands", "オランダ"]),
    ("NZ", "New Zealand", &[]),
    ("NI", "Nicaragua", &[]),
    ("NE", "Niger", &[]),
    ("NG", "Nigeria", &[]),
    (
        "MK",
        "North Macedonia",
        &["Macedonia", "The former Yugoslav Republic of Macedonia"],
    ),
    ("NO", "Norway", &[]),
    ("OM", "Oman", &[]),
    ("PK", "Pakistan", &["パキスタン"]),
    ("PW", "Palau", &[]),
    (
        "PS",
        "Palestine",
        &[
            "State of Palestine",
            "Palestinian",
            "West Bank",
            "Gaza",
            "Palestinian Territories",
        ],
    ),
    ("PA", "Panama", &[]),
    ("PG", "Papua New Guinea", &[]),
    ("PY", "Paraguay", &[]),
    ("PE", "Peru", &[]),
    ("PH", "Philippines", &["フィリピン"]),
    ("PL", "Poland", &[]),
    ("PT", "Portugal", &[]),
    ("QA", "Qatar", &[]),
    ("RO", "Romania", &[]),
    (
        "RU",
        "Russia",
        &["Russian Federation", "ロシア", "ロシア連邦"],
    ),
    ("RW", "Rwanda", &[]),
    ("KN", "Saint Kitts and Nevis", &["St. Kitts and Nevis"]),
    ("LC", "Saint Lucia", &[]),
    (
        "VC",
        "Saint Vincent and the Grenadines",
        &["St. Vincent and the Grenadines"],
    ),
    ("WS", "Samoa", &[]),
    ("SM", "San Marino", &[]),
    ("ST", "Sao Tome and Principe", &[]),
    ("SA", "Saudi Arabia", &["サウジアラビア"]),
    ("SN", "Senegal", &[]),
    ("RS", "Serbia", &[]),
    ("SC", "Seychelles", &[]),
    ("SL", "Sierra Leone", &[]),
    ("SG", "Singapore", &["シンガポール"]),
    ("SK", "Slovakia", &[]),
    ("SI", "Slovenia", &[]),
    ("SB", "Solomon Islands", &[]),
    ("SO", "Somalia", &["ソマリア"]),
    ("ZA", "South Africa", &[]),
    ("SS", "South Sudan", &["南スーダン"]),
    ("ES", "Spain", &["スペイン"]),
    ("LK", "Sri Lanka", &[]),
    ("SD", "Sudan", &["スーダン"]),
    ("SR", "Suriname", &[]),
    ("SE", "Sweden", &[]),
    ("CH", "Switzerland", &["スイス"]),
    ("SY", "Syria", &["Syrian Arab Republic", "シリア"]),
    ("TW", "Taiwan", &["台湾"]),
    ("TJ", "Tajikistan", &[]),
    (
        "TZ",
        "Tanzania",
        &[
            "United Republic of Tanzania",
            "Tanzania, United Republic of",
        ],
    ),
    ("TH", "Thailand", &["タイ"]),
    ("TL", "Timor-Leste", &["East Timor"]),
    ("TG", "Togo", &[]),
    ("TO", "Tonga", &[]),
    ("TT", "Trinidad and Tobago", &[]),
    ("TN", "Tunisia", &["チュニジア"]),
    ("TR", "Turkey", &["Türkiye", "Turkiye", "トルコ"]),
    ("TM", "Turkmenistan", &[]),
    ("TV", "Tuvalu", &[]),
    ("UG", "Uganda", &[]),
    ("UA", "Ukraine", &["ウクライナ"]),
    ("AE", "United Arab Emirates", &["UAE", "アラブ首長国連邦"]),
    (
        "GB",
        "United Kingdom",
        &[
            "United Kingdom of Great Britain and Northern Ireland",
            "UK",
            "Great Britain",
            "英国",
            "イギリス",
        ],
    ),
    (
        "US",
        "United States",
        &[
            "United States of America",
            "USA",
            "U.S.A.",
            "米国",
            "アメリカ合衆国",
        ],
    ),
    ("UY", "Uruguay", &[]),
    ("UZ", "Uzbekistan", &[]),
    ("VU", "Vanuatu", &[]),
    (
        "VE",
        "Venezuela",
        &[
            "Venezuela (Bolivarian Republic of)",
            "Bolivarian Republic of Venezuela",
            "ベネズエラ",
        ],
    ),
    ("VN", "Vietnam", &["Viet Nam", "ベトナム"]),
    ("YE", "Yemen", &["イエメン"]),
    ("ZM", "Zambia", &[]),
    ("ZW", "Zimbabwe", &["ジンバブエ"]),
];

fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.trim().chars() {
        let c = match c {
            'é' | 'É' => 'e',
            'ç' => 'c',
            'ü' => 'u',
            '\'' | '’' | '.' | '(' | ')' => continue,
            '-' | ',' => ' ',
            c => c,
        };
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.extend(c.to_lowercase());
    }
    out.strip_prefix("the ").map(str::to_string).unwrap_or(out)
}

fn index() -> &'static std::collections::HashMap<String, &'static str> {
    static INDEX: std::sync::OnceLock<std::collections::HashMap<String, &'static str>> =
        std::sync::OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for (code, name, alts) in COUNTRIES {
            m.insert(fold(name), *code);
            for a in *alts {
                m.insert(fold(a), *code);
            }
        }
        m
    })
}

/// The ISO 3166-1 alpha-2 code for a country name or code as lists write it.
pub fn country_code(name: &str) -> Option<&'static str> {
    let t = name.trim();
    if t.len() == 2 && t.chars().all(|c| c.is_ascii_alphabetic()) {
        let up = t.to_ascii_uppercase();
        return COUNTRIES
            .iter()
            .find(|(c, _, _)| *c == up)
            .map(|(c, _, _)| *c);
    }
    index().get(&fold(t)).copied()
}

/// The canonical English name of an ISO 3166-1 alpha-2 code.
pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(c, _, _)| c.eq_ignore_ascii_case(code))
        .map(|(_, n, _)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_the_same_country_agree() {
        for s in [
            "Korea, North",
            "Democratic People's Republic of Korea",
            "北朝鮮",
            "kp",
            "DPRK",
        ] {
            assert_eq!(country_code(s), Some("KP"), "{s}");
        }
        assert_eq!(country_code("Iran (Islamic Republic of)"), Some("IR"));
        assert_eq!(
            country_code("Congo, Democratic Republic of the"),
            Some("CD")
        );
        assert_eq!(country_code("Cote d'Ivoire"), Some("CI"));
        assert_eq!(country_code("Russian Federation"), Some("RU"));
        assert_eq!(country_code("Atlantis"), None);
        assert_eq!(country_code("ZZ"), None);
        assert_eq!(country_name("jp"), Some("Japan"));
    }

    #[test]
    fn codes_are_unique() {
        let mut codes: Vec<_> = COUNTRIES.iter().map(|c| c.0).collect();
        codes.sort();
        let n = codes.len();
        codes.dedup();
        assert_eq!(n, codes.len());
    }
}
