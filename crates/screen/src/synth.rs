//! Synthetic people and perturbed list names for measuring the screener:
//! how many ordinary customers it flags, and whether listed names written
//! with typos or in another order are still found. Deterministic (a fixed
//! xorshift generator), so figures are reproducible.

use kansa_model::PartialDate;

/// A small deterministic generator (xorshift64*).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// (given names, family names, family name first?) per culture, in the
/// script customers of that culture write.
const POOLS: &[(&[&str], &[&str], bool)] = &[
    (
        &[
            "James",
            "Mary",
            "John",
            "Patricia",
            "Robert",
            "Jennifer",
            "Michael",
            "Linda",
            "David",
            "Elizabeth",
            "William",
            "Susan",
            "Richard",
            "Sarah",
            "Thomas",
            "Karen",
        ],
        &[
            "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson",
            "Anderson", "Taylor", "Moore", "Jackson", "Martin", "Thompson", "White", "Harris",
        ],
        false,
    ),
    (
        &[
            "José", "María", "Juan", "Carmen", "Luis", "Ana", "Carlos", "Lucía", "Javier",
            "Isabel", "Miguel", "Elena", "Pedro", "Laura",
        ],
        &[
            "García",
            "Fernández",
            "González",
            "Rodríguez",
            "López",
            "Martínez",
            "Sánchez",
            "Pérez",
            "Gómez",
            "Martín",
            "Jiménez",
            "Ruiz",
            "Hernández",
            "Díaz",
        ],
        false,
    ),
    (
        &[
            "Иван",
            "Ольга",
            "Сергей",
            "Наталья",
            "Андрей",
            "Елена",
            "Дмитрий",
            "Татьяна",
            "Алексей",
            "Ирина",
            "Михаил",
            "Анна",
        ],
        &[
            "Иванов",
            "Смирнов",
            "Кузнецов",
            "Попов",
            "Васильев",
            "Петров",
            "Соколов",
            "Михайлов",
            "Новиков",
            "Фёдоров",
            "Морозов",
            "Волков",
        ],
        false,
    ),
    (
        &[
            "太郎",
            "花子",
            "健",
            "美咲",
            "翔太",
            "陽子",
            "大輔",
            "由美",
            "誠",
            "恵子",
            "拓也",
            "さくら",
        ],
        &[
            "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤", "吉田",
            "山田",
        ],
        true,
    ),
    (
        &[
            "タロウ",
            "ハナコ",
            "ケンジ",
            "ユミ",
            "ヒロシ",
            "アキコ",
            "マコト",
            "サクラ",
        ],
        &[
            "サトウ",
            "スズキ",
            "タカハシ",
            "タナカ",
            "イトウ",
            "ワタナベ",
            "ヤマモト",
            "ナカムラ",
        ],
        true,
    ),
    (
        &[
            "민준", "서연", "지훈", "지우", "현우", "하은", "도윤", "수아", "성민", "예린",
        ],
        &["김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"],
        true,
    ),
    (
        &[
            "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "军", "杰", "娟",
        ],
        &[
            "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
        ],
        true,
    ),
    (
        &[
            "Wei", "Fang", "Min", "Jing", "Lei", "Yang", "Yan", "Yong", "Jun", "Jie", "Xiu Ying",
            "Gui Ying",
        ],
        &[
            "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu",
            "Sun",
        ],
        false,
    ),
    (
        &[
            "محمد",
            "فاطمة",
            "أحمد",
            "مريم",
            "علي",
            "خديجة",
            "حسن",
            "زينب",
            "عمر",
            "عائشة",
            "يوسف",
            "سارة",
        ],
        &[
            "العلي",
            "الحسن",
            "السيد",
            "الأحمد",
            "المصري",
            "الخطيب",
            "الشامي",
            "النجار",
            "الحداد",
            "القاسم",
        ],
        false,
    ),
    (
        &[
            "Mohammed", "Fatima", "Ahmed", "Aisha", "Omar", "Yusuf", "Hassan", "Khadija",
            "Ibrahim", "Mariam", "Khalid", "Layla",
        ],
        &[
            "Al-Sayed", "Haddad", "Khoury", "Nasser", "Saleh", "Hamdan", "Mansour", "Aziz",
            "Rahman", "Karim",
        ],
        false,
    ),
    (
        &["Nguyen Van", "Tran Thi", "Le Van", "Pham Thi"],
        &["An", "Binh", "Cuong", "Dung", "Hoa", "Lan", "Minh", "Thao"],
        false,
    ),
    (
        &[
            "Hans", "Anna", "Peter", "Maria", "Klaus", "Ursula", "Jürgen", "Monika", "Stefan",
            "Petra",
        ],
        &[
            "Müller",
            "Schmidt",
            "Schneider",
            "Fischer",
            "Weber",
            "Meyer",
            "Wagner",
            "Becker",
            "Schulz",
            "Hoffmann",
        ],
        false,
    ),
];

/// The country customers of each culture of `POOLS` most often live in.
const COUNTRIES: &[&str] = &[
    "US", "ES", "RU", "JP", "JP", "KR", "CN", "CN", "SA", "JO", "VN", "DE",
];

const _: () = assert!(COUNTRIES.len() == POOLS.len());

/// A plausible customer name, written as that culture writes it.
pub fn person_name(rng: &mut Rng) -> String {
    named(rng).0
}

/// A customer as a register holds one: a name (as `person_name` draws
/// it, from the same generator state), and from `facts` a date of birth
/// (1940–2005) and the country of the name's culture.
pub fn customer(rng: &mut Rng, facts: &mut Rng) -> (String, PartialDate, &'static str) {
    let (name, culture) = named(rng);
    let year = 1940 + facts.below(66) as u16;
    let month = 1 + facts.below(12) as u8;
    let day = 1 + facts.below(28) as u8;
    let dob = PartialDate {
        year,
        month: Some(month),
        day: Some(day),
    };
    (name, dob, COUNTRIES[culture])
}

fn named(rng: &mut Rng) -> (String, usize) {
    let culture = rng.below(POOLS.len());
    let (given, family, family_first) = POOLS[culture];
    let g = rng.pick(given);
    let f = rng.pick(family);
    let cjk = f.chars().all(|c| !c.is_ascii());
    let han_or_hangul = f
        .chars()
        .all(|c| ('\u{3400}'..='\u{9fff}').contains(&c) || ('\u{ac00}'..='\u{d7a3}').contains(&c));
    let name = if family_first && cjk && han_or_hangul {
        format!("{f}{g}")
    } else if family_first {
        format!("{f} {g}")
    } else {
        format!("{g} {f}")
    };
    (name, culture)
}

/// A listed name changed the way customer records differ from lists: a
/// typo (letter dropped, doubled, swapped or replaced), the parts reordered,
/// or the case changed. Returns the changed name and what was done.
pub fn perturb(name: &str, rng: &mut Rng) -> (String, &'static str) {
    let chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = chars
        .iter()
        .enumerate()
        .filter(|(_, c)| c.is_alphabetic())
        .map(|(i, _)| i)
        .collect();
    match rng.below(5) {
        0 if letters.len() > 6 => {
            // Drop one letter (not the first of the name).
            let i = letters[1 + rng.below(letters.len() - 1)];
            let mut v = chars.clone();
            v.remove(i);
            (v.into_iter().collect(), "letter dropped")
        }
        1 if letters.len() > 6 => {
            let k = 1 + rng.below(letters.len() - 2);
            let (i, j) = (letters[k], letters[k + 1]);
            let mut v = chars.clone();
            if j == i + 1 {
                v.swap(i, j);
                return (v.into_iter().collect(), "letters swapped");
            }
            (name.to_lowercase(), "lower case")
        }
        2 => {
            let parts: Vec<&str> = name
                .split(|c: char| c.is_whitespace() || c == ',')
                .filter(|p| !p.is_empty())
                .collect();
            if parts.len() >= 2 {
                let mut p = parts.clone();
                p.rotate_left(1);
                return (p.join(" "), "parts reordered");
            }
            (name.to_uppercase(), "upper case")
        }
        3 if letters.len() > 6 => {
            let i = letters[1 + rng.below(letters.len() - 1)];
            let mut v = chars.clone();
            v.insert(i, chars[i]);
            (v.into_iter().collect(), "letter doubled")
        }
        _ => (name.to_lowercase(), "lower case"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let xs: Vec<String> = (0..20).map(|_| person_name(&mut a)).collect();
        let ys: Vec<String> = (0..20).map(|_| person_name(&mut b)).collect();
        assert_eq!(xs, ys);
        assert!(xs.iter().all(|x| !x.trim().is_empty()));
        let (p, how) = perturb("KIM, Jong Un", &mut Rng::new(3));
        assert!(!p.is_empty() && !how.is_empty());
    }
}
