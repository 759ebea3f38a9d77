//! A synthetic household's fixed character, drawn from its own seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Zoetermeer-like districts (CBS wijkcode style) with their weights.
pub(crate) const DISTRICTS: &[(&str, u32)] = &[
    ("WK063701", 6),
    ("WK063702", 9),
    ("WK063703", 12),
    ("WK063704", 11),
    ("WK063705", 10),
    ("WK063706", 13),
    ("WK063707", 8),
    ("WK063708", 14),
    ("WK063709", 9),
    ("WK063710", 8),
];

/// How trouble develops in a household.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Multi-domain problems from month `onset` on.
    Planted {
        /// The first month (index) with problems.
        onset: u32,
    },
    /// Now and then a single-domain signal.
    Mild,
    /// Rarely anything.
    Quiet,
}

/// The fixed character of one synthetic household.
#[derive(Debug, Clone)]
pub struct Household {
    /// The household pseudonym: 64 lowercase hex, like `vroeg pseudonymize`.
    pub key: String,
    /// Index into [`DISTRICTS`].
    pub district: usize,
    /// Adults (1..=3).
    pub adults: u8,
    /// Children: person pseudonym and age in the first month.
    pub minors: Vec<(String, u8)>,
    /// The adult who receives benefits.
    pub recipient: String,
    /// Social or private landlord (index), if renting from one.
    pub landlord: Option<usize>,
    /// Monthly rent in cents.
    pub rent_cents: i64,
    /// Creditor indexes this household has accounts with.
    pub creditors: Vec<usize>,
    /// How trouble develops.
    pub profile: Profile,
    /// The last month (index) the household lives in the municipality.
    pub last_resident_month: Option<u32>,
}

/// splitmix64: turns (seed, household, stream) into one generator seed.
pub(crate) fn mix(seed: u64, a: u64, b: u64) -> u64 {
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of household `i` for stream `s` (a month, or the household's
/// character).
pub(crate) fn rng(seed: u64, i: u64, s: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(seed, i, s))
}

pub(crate) fn pseudonym(r: &mut ChaCha8Rng) -> String {
    let bytes: [u8; 32] = r.random();
    hex::encode(bytes)
}

/// Number of creditors in [`crate::month::CREDITORS`].
const CREDITOR_COUNT: usize = crate::month::CREDITORS.len();

impl Household {
    /// The character of household `i` under `seed`, for an inbox of `months`.
    pub fn generate(seed: u64, i: u64, months: u32) -> Household {
        let mut r = rng(seed, i, u64::MAX);
        let key = pseudonym(&mut r);
        let total: u32 = DISTRICTS.iter().map(|d| d.1).sum();
        let mut pick = r.random_range(0..total);
        let mut district = 0;
        for (j, (_, w)) in DISTRICTS.iter().enumerate() {
            if pick < *w {
                district = j;
                break;
            }
            pick -= w;
        }
        let adults = match r.random_range(0..100) {
            0..45 => 1,
            45..95 => 2,
            _ => 3,
        };
        let n_minors = match r.random_range(0..100) {
            0..68 => 0,
            68..80 => 1,
            80..94 => 2,
            _ => 3,
        };
        let minors = (0..n_minors)
            .map(|_| (pseudonym(&mut r), r.random_range(0..18u8)))
            .collect();
        let recipient = pseudonym(&mut r);
        let tenure = r.random_range(0..100);
        let landlord = match tenure {
            0..30 => Some(r.random_range(0..3)),
            30..42 => Some(3),
            _ => None,
        };
        let rent_cents = r.random_range(45_000..110_000);
        let mut creditors = vec![
            r.random_range(0..2usize),
            2,
            3 + r.random_range(0..2usize),
            10,
        ];
        if landlord.is_none() {
            creditors.push(11);
        }
        for extra in [5usize, 6, 7, 8, 9, 12] {
            if r.random_bool(0.35) {
                creditors.push(extra);
            }
        }
        debug_assert!(creditors.iter().all(|c| *c < CREDITOR_COUNT));
        let profile = match r.random_range(0..1000) {
            0..40 => Profile::Planted {
                onset: r.random_range(months / 3..months.max(1)),
            },
            40..200 => Profile::Mild,
            _ => Profile::Quiet,
        };
        let last_resident_month = if r.random_bool(0.02) {
            Some(r.random_range(0..months.max(1)))
        } else {
            None
        };
        Household {
            key,
            district,
            adults,
            minors,
            recipient,
            landlord,
            rent_cents,
            creditors,
            profile,
            last_resident_month,
        }
    }

    /// Months of trouble by month `k` (0 before onset or for other
    /// profiles).
    pub fn trouble_months(&self, k: u32) -> u32 {
        match self.profile {
            Profile::Planted { onset } if k >= onset => k - onset + 1,
            _ => 0,
        }
    }

    /// Whether the household lives in the municipality in month `k`.
    pub fn resident(&self, k: u32) -> bool {
        self.last_resident_month.is_none_or(|m| k <= m)
    }
}
