//! Space classification by name (docs/rulepacks/README.md, "Space
//! classification by name"; the keyword lists are the spec's
//! `ceiling-height` categories). Matching is the SDK's
//! ([`plancheck_sdk::text`]): whole words, case-insensitive, phrases.

use plancheck_sdk::text::{find_category, find_keyword};

/// What a space is, for the ceiling-height and corridor rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceKind {
    /// Not occupiable or governed elsewhere (shafts, stairs, garages …): no
    /// ceiling-height finding.
    OutOfScope,
    /// Bathrooms, toilet rooms, kitchens, storage rooms, laundry rooms: 7 ft.
    SevenFoot,
    /// Corridors: 7 ft 6 in (7 ft within a Group R dwelling unit).
    Corridor,
    /// Service rooms, which may not be occupiable.
    Service,
    /// Everything else: occupiable / habitable, 7 ft 6 in.
    Occupiable,
}

impl SpaceKind {
    /// How messages name the category.
    pub fn describe(self) -> &'static str {
        match self {
            SpaceKind::OutOfScope => "out of scope",
            SpaceKind::SevenFoot => "bathroom, toilet room, kitchen, storage room or laundry room",
            SpaceKind::Corridor => "corridor",
            SpaceKind::Service => "service room",
            SpaceKind::Occupiable => "occupiable or habitable space",
        }
    }
}

const OUT_OF_SCOPE: &[&str] = &[
    "shaft",
    "plenum",
    "void",
    "chase",
    "duct",
    "attic",
    "crawl space",
    "crawlspace",
    "elevator",
    "lift",
    "stair",
    "stairs",
    "stairway",
    "stairwell",
    "staircase",
    "garage",
    "parking",
    "carport",
];

const SEVEN_FOOT: &[&str] = &[
    "bath",
    "baths",
    "bathroom",
    "bathrooms",
    "shower",
    "showers",
    "toilet",
    "toilets",
    "wc",
    "restroom",
    "restrooms",
    "rest room",
    "lavatory",
    "lavatories",
    "washroom",
    "washrooms",
    "powder room",
    "kitchen",
    "kitchens",
    "kitchenette",
    "storage",
    "storeroom",
    "storerooms",
    "store room",
    "closet",
    "closets",
    "laundry",
];

/// Corridor keywords (also what `corridor-width` applies to). Not bare
/// `hall`, which is as often an assembly hall.
pub const CORRIDOR: &[&str] = &[
    "corridor",
    "corridors",
    "hallway",
    "hallways",
    "passage",
    "passageway",
];

const SERVICE: &[&str] = &[
    "mechanical",
    "mech",
    "electrical",
    "elec",
    "plant",
    "boiler",
    "pump",
    "server",
    "telecom",
    "janitor",
    "custodial",
    "utility",
];

/// The categories in the order the spec lists them (first match wins).
const CATEGORIES: &[(SpaceKind, &[&str])] = &[
    (SpaceKind::OutOfScope, OUT_OF_SCOPE),
    (SpaceKind::SevenFoot, SEVEN_FOOT),
    (SpaceKind::Corridor, CORRIDOR),
    (SpaceKind::Service, SERVICE),
];

/// The category of a space, and the name it was decided from.
///
/// The spec says "match on `LongName` first, then `Name`": we read that as
/// *LongName decides if any of its words is a keyword; otherwise `Name` is
/// tried*, so a space whose LongName is a free description ("Mrs Smith's
/// room") still classifies by a Name like "WC-02". Within one name the
/// first category in spec order wins ("Storage corridor" is storage).
pub fn classify<'a>(
    long_name: Option<&'a str>,
    name: Option<&'a str>,
) -> (SpaceKind, Option<&'a str>) {
    for text in [long_name, name].into_iter().flatten() {
        if let Some((kind, _)) = find_category(text, CATEGORIES) {
            return (kind, Some(text));
        }
    }
    (
        SpaceKind::Occupiable,
        long_name.filter(|s| !s.is_empty()).or(name),
    )
}

/// Whether a space is a corridor for `corridor-width`, and by which name.
/// Same LongName-then-Name order as [`classify`], corridor keywords only.
pub fn corridor_name<'a>(long_name: Option<&'a str>, name: Option<&'a str>) -> Option<&'a str> {
    [long_name, name]
        .into_iter()
        .flatten()
        .find(|t| find_keyword(t, CORRIDOR).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_and_separators() {
        assert_eq!(classify(Some("WC-01"), None).0, SpaceKind::SevenFoot);
        assert_eq!(classify(Some("Bath_2"), None).0, SpaceKind::SevenFoot);
        assert_eq!(classify(Some("Bathroom"), None).0, SpaceKind::SevenFoot);
        assert_eq!(
            classify(Some("Ground floor rest room"), None).0,
            SpaceKind::SevenFoot
        );
        assert_eq!(
            classify(Some("Restless room"), None).0,
            SpaceKind::Occupiable
        );
        // `store` alone is a shop.
        assert_eq!(classify(Some("Store"), None).0, SpaceKind::Occupiable);
        assert_eq!(classify(Some("Store room"), None).0, SpaceKind::SevenFoot);
        // `hall` alone is not a corridor.
        assert_eq!(
            classify(Some("Assembly hall"), None).0,
            SpaceKind::Occupiable
        );
        assert_eq!(classify(Some("Stair 1"), None).0, SpaceKind::OutOfScope);
        assert_eq!(classify(Some("Attic room"), None).0, SpaceKind::OutOfScope);
        assert_eq!(classify(Some("Mech"), None).0, SpaceKind::Service);
        assert_eq!(classify(Some("CORRIDOR"), None).0, SpaceKind::Corridor);
    }

    #[test]
    fn first_category_wins_and_long_name_comes_first() {
        assert_eq!(
            classify(Some("Stair storage"), None).0,
            SpaceKind::OutOfScope
        );
        assert_eq!(
            classify(Some("Storage corridor"), None).0,
            SpaceKind::SevenFoot
        );
        assert_eq!(
            classify(Some("Kitchen"), Some("Corridor 3")),
            (SpaceKind::SevenFoot, Some("Kitchen"))
        );
        assert_eq!(
            classify(Some("Office of Mrs Smith"), Some("WC-02")),
            (SpaceKind::SevenFoot, Some("WC-02"))
        );
        assert_eq!(
            classify(None, Some("101")),
            (SpaceKind::Occupiable, Some("101"))
        );
        assert_eq!(corridor_name(Some("Hallway"), Some("H1")), Some("Hallway"));
        assert_eq!(corridor_name(Some("Main hall"), None), None);
        // Not English: not recognised (a known gap).
        assert_eq!(corridor_name(Some("Flur"), None), None);
    }
}
