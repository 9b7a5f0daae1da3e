//! The GS1 application identifier (AI) table: which AIs exist, what role
//! each plays in a Digital Link, and the format of its value.
//!
//! Only AIs in this table are read from a code. That matters for security as
//! much as for hygiene: GS1 keeps its table *prefix-free* (no AI is the start
//! of another: `21` exists, so no `21x` does), so an element string can be
//! split into AIs one way only. A reader that took any 2–4 digits as an AI let
//! `21`+`8X6A` be re-read as `218`+`X6A`, moving the boundary between AI and
//! value; the table (checked prefix-free by a test) and the length-prefixed
//! signed message in [`crate::code`] each close that on their own.
//!
//! The table holds the AIs of the GS1 General Specifications that a product
//! link can carry, with their formats; AIs for logistics units, locations and
//! people (43xx, 7250–7259, ...) are left out and read as unknown.

/// What an AI is in a Digital Link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A primary key (GTIN, SSCC, GLN, ...): only `01` starts a Genuine code.
    PrimaryKey,
    /// A key qualifier, carried in the path (`22`, `10`, `21` after a GTIN).
    Qualifier,
    /// A data attribute, carried in the query.
    Attribute,
    /// AI 8030 (digital signature): Genuine's own `sig`, never data.
    Reserved,
}

/// The format of an AI's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `min` to `max` ASCII digits.
    Digits(u8, u8),
    /// A `YYMMDD` date.
    Date,
    /// 1 to `max` characters of GS1 character set 82.
    Text(u8),
}

/// One row of the table: an AI (where `n` stands for any digit, as GS1
/// writes the decimal-point AIs such as `310n`), its role and value format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiSpec {
    /// The AI pattern.
    pub pattern: &'static str,
    /// Its role.
    pub role: Role,
    /// Its value format.
    pub format: Format,
}

const fn row(pattern: &'static str, role: Role, format: Format) -> AiSpec {
    AiSpec { pattern, role, format }
}

use Format::{Date, Digits, Text};
use Role::{Attribute as A, PrimaryKey as K, Qualifier as Q, Reserved as R};

/// The table, from the GS1 General Specifications (section 3.2).
pub const TABLE: &[AiSpec] = &[
    row("00", K, Digits(18, 18)),
    row("01", K, Digits(14, 14)),
    row("02", A, Digits(14, 14)),
    row("10", Q, Text(20)),
    row("11", A, Date),
    row("12", A, Date),
    row("13", A, Date),
    row("15", A, Date),
    row("16", A, Date),
    row("17", A, Date),
    row("20", A, Digits(2, 2)),
    row("21", Q, Text(20)),
    row("22", Q, Text(20)),
    row("235", Q, Text(28)),
    row("240", A, Text(30)),
    row("241", A, Text(30)),
    row("242", A, Digits(1, 6)),
    row("243", A, Text(20)),
    row("250", A, Text(30)),
    row("251", A, Text(30)),
    row("253", K, Text(30)),
    row("254", Q, Text(20)),
    row("255", K, Digits(13, 25)),
    row("30", A, Digits(1, 8)),
    row("310n", A, Digits(6, 6)),
    row("311n", A, Digits(6, 6)),
    row("312n", A, Digits(6, 6)),
    row("313n", A, Digits(6, 6)),
    row("314n", A, Digits(6, 6)),
    row("315n", A, Digits(6, 6)),
    row("316n", A, Digits(6, 6)),
    row("320n", A, Digits(6, 6)),
    row("321n", A, Digits(6, 6)),
    row("322n", A, Digits(6, 6)),
    row("323n", A, Digits(6, 6)),
    row("324n", A, Digits(6, 6)),
    row("325n", A, Digits(6, 6)),
    row("326n", A, Digits(6, 6)),
    row("327n", A, Digits(6, 6)),
    row("328n", A, Digits(6, 6)),
    row("329n", A, Digits(6, 6)),
    row("330n", A, Digits(6, 6)),
    row("331n", A, Digits(6, 6)),
    row("332n", A, Digits(6, 6)),
    row("333n", A, Digits(6, 6)),
    row("334n", A, Digits(6, 6)),
    row("335n", A, Digits(6, 6)),
    row("336n", A, Digits(6, 6)),
    row("337n", A, Digits(6, 6)),
    row("340n", A, Digits(6, 6)),
    row("341n", A, Digits(6, 6)),
    row("342n", A, Digits(6, 6)),
    row("343n", A, Digits(6, 6)),
    row("344n", A, Digits(6, 6)),
    row("345n", A, Digits(6, 6)),
    row("346n", A, Digits(6, 6)),
    row("347n", A, Digits(6, 6)),
    row("348n", A, Digits(6, 6)),
    row("349n", A, Digits(6, 6)),
    row("350n", A, Digits(6, 6)),
    row("351n", A, Digits(6, 6)),
    row("352n", A, Digits(6, 6)),
    row("353n", A, Digits(6, 6)),
    row("354n", A, Digits(6, 6)),
    row("355n", A, Digits(6, 6)),
    row("356n", A, Digits(6, 6)),
    row("357n", A, Digits(6, 6)),
    row("360n", A, Digits(6, 6)),
    row("361n", A, Digits(6, 6)),
    row("362n", A, Digits(6, 6)),
    row("363n", A, Digits(6, 6)),
    row("364n", A, Digits(6, 6)),
    row("365n", A, Digits(6, 6)),
    row("366n", A, Digits(6, 6)),
    row("367n", A, Digits(6, 6)),
    row("368n", A, Digits(6, 6)),
    row("369n", A, Digits(6, 6)),
    row("37", A, Digits(1, 8)),
    row("390n", A, Digits(1, 15)),
    row("391n", A, Digits(4, 18)),
    row("392n", A, Digits(1, 15)),
    row("393n", A, Digits(4, 18)),
    row("394n", A, Digits(4, 4)),
    row("395n", A, Digits(6, 6)),
    row("400", A, Text(30)),
    row("401", K, Text(30)),
    row("402", K, Digits(17, 17)),
    row("403", A, Text(30)),
    row("410", A, Digits(13, 13)),
    row("411", A, Digits(13, 13)),
    row("412", A, Digits(13, 13)),
    row("413", A, Digits(13, 13)),
    row("414", K, Digits(13, 13)),
    row("415", A, Digits(13, 13)),
    row("416", A, Digits(13, 13)),
    row("417", K, Digits(13, 13)),
    row("420", A, Text(20)),
    row("421", A, Text(12)),
    row("422", A, Digits(3, 3)),
    row("423", A, Digits(3, 15)),
    row("424", A, Digits(3, 3)),
    row("425", A, Digits(3, 15)),
    row("426", A, Digits(3, 3)),
    row("427", A, Text(3)),
    row("7001", A, Digits(13, 13)),
    row("7002", A, Text(30)),
    row("7003", A, Digits(10, 10)),
    row("7004", A, Digits(1, 4)),
    row("7005", A, Text(12)),
    row("7006", A, Date),
    row("7007", A, Digits(6, 12)),
    row("7008", A, Text(3)),
    row("7009", A, Text(10)),
    row("7010", A, Text(2)),
    row("7011", A, Digits(6, 10)),
    row("7020", A, Text(20)),
    row("7021", A, Text(20)),
    row("7022", A, Text(20)),
    row("7023", A, Text(30)),
    row("703n", A, Text(30)),
    row("7040", A, Text(4)),
    row("7041", A, Text(4)),
    row("710", A, Text(20)),
    row("711", A, Text(20)),
    row("712", A, Text(20)),
    row("713", A, Text(20)),
    row("714", A, Text(20)),
    row("715", A, Text(20)),
    row("716", A, Text(20)),
    row("723n", A, Text(30)),
    row("7240", A, Text(20)),
    row("7241", A, Digits(2, 2)),
    row("7242", A, Text(25)),
    row("8001", A, Digits(14, 14)),
    row("8002", A, Text(20)),
    row("8003", K, Text(30)),
    row("8004", K, Text(30)),
    row("8005", A, Digits(6, 6)),
    row("8006", K, Digits(18, 18)),
    row("8007", A, Text(34)),
    row("8008", A, Digits(8, 12)),
    row("8009", A, Text(50)),
    row("8010", K, Text(30)),
    row("8011", A, Digits(1, 12)),
    row("8012", A, Text(20)),
    row("8013", K, Text(25)),
    row("8014", A, Text(25)),
    row("8017", K, Digits(18, 18)),
    row("8018", K, Digits(18, 18)),
    row("8019", A, Digits(1, 10)),
    row("8020", A, Text(25)),
    row("8026", A, Digits(18, 18)),
    row("8030", R, Text(90)),
    row("8111", A, Digits(4, 4)),
    row("8200", A, Text(70)),
    row("90", A, Text(30)),
    row("91", A, Text(90)),
    row("92", A, Text(90)),
    row("93", A, Text(90)),
    row("94", A, Text(90)),
    row("95", A, Text(90)),
    row("96", A, Text(90)),
    row("97", A, Text(90)),
    row("98", A, Text(90)),
    row("99", A, Text(90)),
];

impl AiSpec {
    /// Does this row describe `ai`?
    pub fn matches(&self, ai: &str) -> bool {
        ai.len() == self.pattern.len()
            && ai.bytes().zip(self.pattern.bytes()).all(|(a, p)| a == p || (p == b'n' && a.is_ascii_digit()))
    }
}

/// The table's row for `ai`, if GS1 defines it (and Genuine reads it).
pub fn lookup(ai: &str) -> Option<&'static AiSpec> {
    // At most 4 bytes and digits only, before scanning ~170 rows.
    if !(2..=4).contains(&ai.len()) || !ai.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    TABLE.iter().find(|spec| spec.matches(ai))
}

/// Every concrete AI the table describes (`310n` gives `3100`..`3109`).
pub fn all_ais() -> impl Iterator<Item = String> {
    TABLE.iter().flat_map(|spec| {
        let digits: Vec<Option<u8>> =
            if spec.pattern.ends_with('n') { (0..10).map(Some).collect() } else { vec![None] };
        digits.into_iter().map(move |d| match d {
            Some(d) => format!("{}{d}", &spec.pattern[..spec.pattern.len() - 1]),
            None => spec.pattern.to_string(),
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The property the signed encoding once relied on, and that makes every
    /// element string readable one way only: no AI is a prefix of another.
    #[test]
    fn the_table_is_prefix_free() {
        let ais: Vec<String> = all_ais().collect();
        for a in &ais {
            for b in &ais {
                assert!(a == b || !b.starts_with(a.as_str()), "AI {a} is a prefix of AI {b}");
            }
        }
        let mut sorted = ais.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ais.len(), "an AI appears twice");
    }

    #[test]
    fn lookup_knows_gs1_ais_and_nothing_else() {
        assert_eq!(lookup("21").map(|s| s.role), Some(Role::Qualifier));
        assert_eq!(lookup("17").map(|s| s.format), Some(Format::Date));
        assert_eq!(lookup("3103").map(|s| s.pattern), Some("310n"));
        assert_eq!(lookup("01").map(|s| s.role), Some(Role::PrimaryKey));
        for unknown in ["218", "172", "2", "21811", "310", "3170", "7250", "4300", "23", "", "2a", "0x1"] {
            assert_eq!(lookup(unknown), None, "{unknown}");
        }
    }
}
