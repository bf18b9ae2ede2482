//! Names and messages: whole-word keyword matching on element and space
//! names, and joining lists for messages.
//!
//! Matching follows docs/rulepacks/README.md ("Space classification by
//! name"): case-insensitive, whole words, and anything that is not a letter
//! separates words (`_`, `-`, `.`, `/`, digits, spaces, punctuation), so
//! `WC-01` has the word `wc` and `Bath_2` the word `bath`, while `Bathroom`
//! does not have `bath`. A keyword with a space is a phrase: its words must
//! follow each other (`rest room`). Keywords are written in lower case.
//!
//! Nothing here allocates: names are matched in place (ASCII names byte by
//! byte, others through `char::to_lowercase`), which matters because packs
//! classify every space and railing of a model by name.
//!
//! ```
//! use plancheck_sdk::text::{find_keyword, has_keyword, join};
//! assert!(has_keyword("WC-01", "wc"));
//! assert!(has_keyword("Ground floor REST ROOM", "rest room"));
//! assert!(!has_keyword("Bathroom", "bath"));
//! // The first keyword *of the list* that the name has:
//! assert_eq!(find_keyword("Guest bedroom", &["bedroom", "guest"]), Some("bedroom"));
//! assert_eq!(join(&["A", "B", "C"], "or"), "A, B or C");
//! ```

use std::fmt;

/// The words of `text`, in order and as written (not lower-cased): maximal
/// runs of letters (`char::is_alphabetic`).
pub fn words(text: &str) -> Words<'_> {
    Words { rest: text }
}

/// Iterator over the words of a text; see [`words`].
#[derive(Debug, Clone)]
pub struct Words<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Words<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let s = self.rest;
        let Some(start) = s.char_indices().find(|(_, c)| c.is_alphabetic()) else {
            self.rest = "";
            return None;
        };
        let s = &s[start.0..];
        let end = s
            .char_indices()
            .find(|(_, c)| !c.is_alphabetic())
            .map_or(s.len(), |(i, _)| i);
        self.rest = &s[end..];
        Some(&s[..end])
    }
}

/// Whether `word` is `keyword` ignoring case (`keyword` in lower case):
/// the same as `word.to_lowercase() == keyword`, without the copy.
pub fn word_eq(word: &str, keyword: &str) -> bool {
    if word.is_ascii() {
        word.len() == keyword.len()
            && word
                .bytes()
                .zip(keyword.bytes())
                .all(|(w, k)| w.to_ascii_lowercase() == k)
    } else if word.contains('Σ') {
        // A final capital sigma lower-cases differently in a string.
        word.to_lowercase() == keyword
    } else {
        word.chars()
            .flat_map(char::to_lowercase)
            .eq(keyword.chars())
    }
}

/// Whether the words at the start of `at` spell `keyword` (one word, or a
/// phrase of words separated by single spaces).
fn starts_with(at: &Words<'_>, first: &str, keyword: &str) -> bool {
    let mut parts = keyword.split(' ');
    if !parts.next().is_some_and(|p| word_eq(first, p)) {
        return false;
    }
    let mut rest = at.clone();
    rest.next();
    parts.all(|p| rest.next().is_some_and(|w| word_eq(w, p)))
}

/// Whether `text` has `keyword` as a whole word (or phrase), ignoring case.
pub fn has_keyword(text: &str, keyword: &str) -> bool {
    find_keyword(text, &[keyword]).is_some()
}

/// The first of `keywords`, in list order, that `text` has as a whole word
/// (or phrase), ignoring case. One pass over the text.
pub fn find_keyword<'k>(text: &str, keywords: &[&'k str]) -> Option<&'k str> {
    first_match(text, keywords.len(), |i| keywords[i]).map(|i| keywords[i])
}

/// The first category, in list order, whose keywords `text` has, with the
/// first of its keywords (in list order) found: first category wins, as the
/// README's space classification asks. One pass over the text.
///
/// ```
/// use plancheck_sdk::text::find_category;
/// #[derive(Debug, Clone, Copy, PartialEq)]
/// enum Use { Storage, Corridor }
/// let cats: &[(Use, &[&str])] = &[(Use::Storage, &["storage"]), (Use::Corridor, &["corridor"])];
/// assert_eq!(find_category("Storage corridor", cats), Some((Use::Storage, "storage")));
/// assert_eq!(find_category("Flur", cats), None);
/// ```
pub fn find_category<'k, C: Copy>(
    text: &str,
    categories: &[(C, &[&'k str])],
) -> Option<(C, &'k str)> {
    let total: usize = categories.iter().map(|(_, k)| k.len()).sum();
    let at = |mut i: usize| {
        for (c, kws) in categories {
            if i < kws.len() {
                return (*c, kws[i]);
            }
            i -= kws.len();
        }
        unreachable!("index within the keyword count")
    };
    first_match(text, total, |i| at(i).1).map(at)
}

/// The smallest index `i < n` such that `text` has `keyword(i)`.
fn first_match<'k>(text: &str, n: usize, keyword: impl Fn(usize) -> &'k str) -> Option<usize> {
    let mut best = n;
    let mut it = words(text);
    loop {
        let here = it.clone();
        let Some(first) = it.next() else { break };
        if let Some(i) = (0..best).find(|&i| starts_with(&here, first, keyword(i))) {
            best = i;
            if best == 0 {
                break;
            }
        }
    }
    (best < n).then_some(best)
}

/// Whether `text` contains `needle` (lower case) anywhere, ignoring case:
/// `"LinenCupboard"` contains `cupboard`. The same as
/// `text.to_lowercase().contains(needle)`, without the copy for ASCII text.
pub fn contains_ignore_case(text: &str, needle: &str) -> bool {
    if !text.is_ascii() {
        return text.to_lowercase().contains(needle);
    }
    let (t, n) = (text.as_bytes(), needle.as_bytes());
    n.is_empty()
        || t.windows(n.len())
            .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

/// Lists items as `A`, `A or B`, `A, B or C` (with `conj` = `or`, `and` …).
pub fn join<T: fmt::Display>(items: &[T], conj: &str) -> String {
    joined(items, conj).to_string()
}

/// As [`join`], but a value that writes itself where it is formatted
/// (`format!("looked for {}", joined(&labels, "or"))`), without a
/// temporary string.
pub fn joined<'a, T: fmt::Display>(items: &'a [T], conj: &'a str) -> Joined<'a, T> {
    Joined { items, conj }
}

/// A list formatted as `A, B or C`; see [`joined`].
#[derive(Debug, Clone, Copy)]
pub struct Joined<'a, T> {
    items: &'a [T],
    conj: &'a str,
}

impl<T: fmt::Display> fmt::Display for Joined<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.items.len();
        for (i, item) in self.items.iter().enumerate() {
            if i > 0 {
                if i == n - 1 {
                    write!(f, " {} ", self.conj)?;
                } else {
                    f.write_str(", ")?;
                }
            }
            write!(f, "{item}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The packs' original implementation, kept to compare against.
    fn reference(text: &str, keywords: &[&str]) -> Option<usize> {
        let words: Vec<String> = text
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect();
        keywords.iter().position(|k| {
            let phrase: Vec<&str> = k.split(' ').collect();
            words
                .windows(phrase.len())
                .any(|w| w.iter().zip(&phrase).all(|(a, b)| a == b))
        })
    }

    #[test]
    fn whole_words_phrases_and_separators() {
        assert!(has_keyword("WC-01", "wc"));
        assert!(has_keyword("Bath_2", "bath"));
        assert!(!has_keyword("Bathroom", "bath"));
        assert!(has_keyword("Powder  room", "powder room"));
        assert!(!has_keyword("powder", "powder room"));
        assert!(has_keyword("Hall/Stair.3", "stair"));
        assert!(!has_keyword("Hallway", "hall"));
        assert!(has_keyword("rail2flight", "flight"));
        assert!(!has_keyword("Flightpath", "flight"));
        assert!(!has_keyword("", "x"));
        assert!(!has_keyword("x", ""));
        assert!(has_keyword("ÉTAGE", "étage"));
        assert_eq!(
            find_keyword("Guest bedroom", &["bedroom", "guest"]),
            Some("bedroom")
        );
        assert_eq!(
            find_keyword("GUARD_STAIRS-01", &["stair", "stairs"]),
            Some("stairs")
        );
        assert_eq!(find_keyword("Upstairs landing", &["stair", "stairs"]), None);
    }

    #[test]
    fn agrees_with_lowercasing_every_word() {
        let keywords = [
            "bath",
            "rest room",
            "room",
            "wc",
            "k",
            "étage",
            "ß",
            "i",
            "store room",
            "a b c",
            "",
        ];
        let names = [
            "Bathroom",
            "WC-01",
            "Bath_2",
            "Ground floor rest room",
            "Store  Room",
            "rest",
            "room rest room",
            "ÉTAGE 2",
            "STRASSE",
            "Straße ß",
            "BATH\u{212A}",
            "\u{212A}",
            "İ",
            "I",
            "ΣΑΣ",
            "a b a b c",
            "A-B-C",
            "",
            "   ",
            "12",
            "a",
            "Rest Room!",
        ];
        for n in names {
            for k in 0..keywords.len() {
                let list = &keywords[k..];
                assert_eq!(
                    find_keyword(n, list),
                    reference(n, list).map(|i| list[i]),
                    "{n:?} in {list:?}"
                );
            }
        }
    }

    #[test]
    fn first_category_then_first_keyword() {
        let cats: &[(u8, &[&str])] = &[(1, &["stair", "stairs"]), (2, &["storage", "store room"])];
        assert_eq!(find_category("Stair storage", cats), Some((1, "stair")));
        assert_eq!(find_category("Storage stairs", cats), Some((1, "stairs")));
        assert_eq!(find_category("Store room", cats), Some((2, "store room")));
        assert_eq!(find_category("Office", cats), None);
        assert_eq!(find_category("Office", &[] as &[(u8, &[&str])]), None);
    }

    #[test]
    fn substrings_ignoring_case() {
        assert!(contains_ignore_case("LinenCupboard", "cupboard"));
        assert!(contains_ignore_case("Storage-door", "storage"));
        assert!(!contains_ignore_case("Door", "closet"));
        assert!(contains_ignore_case(
            "Kleiderschrank ÄRMEL closet",
            "closet"
        ));
    }

    #[test]
    fn joins() {
        assert_eq!(join::<&str>(&[], "and"), "");
        assert_eq!(join(&["a"], "and"), "a");
        assert_eq!(join(&["a", "b"], "or"), "a or b");
        assert_eq!(join(&["a", "b", "c"], "and"), "a, b and c");
        assert_eq!(format!("[{}]", joined(&[1, 2, 3], "or")), "[1, 2 or 3]");
    }
}
