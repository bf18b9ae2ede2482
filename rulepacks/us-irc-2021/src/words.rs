//! Whole-word keyword matching on names (README, "Space classification by name").

/// Lower-case words of `s`. Every character that is not a letter separates
/// words: the README names `_`, `-`, `.`, `/`, digits and (implicitly) white
/// space; treating other punctuation the same way (`Bath (main)`,
/// `Hall:2`) is what a reader of the plan would expect, and no keyword
/// contains punctuation.
pub fn words(s: &str) -> Vec<String> {
    s.split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `keyword` (one word, or several matched as a phrase) occurs in `words`.
pub fn has(words: &[String], keyword: &str) -> bool {
    let kw: Vec<&str> = keyword.split(' ').collect();
    !kw.is_empty()
        && words
            .windows(kw.len())
            .any(|w| w.iter().zip(&kw).all(|(a, b)| a == b))
}

/// The first of `keywords` found in `words`.
pub fn first<'k>(words: &[String], keywords: &[&'k str]) -> Option<&'k str> {
    keywords.iter().copied().find(|k| has(words, k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_and_phrases() {
        let w = words("WC-01");
        assert!(has(&w, "wc"));
        assert!(has(&words("Bath_2"), "bath"));
        assert!(!has(&words("Bathroom"), "bath"));
        assert!(has(&words("Powder  room"), "powder room"));
        assert!(!has(&words("powder"), "powder room"));
        assert!(has(&words("Hall/Stair.3"), "stair"));
        assert!(!has(&words("Hallway"), "hall"));
        assert_eq!(
            first(&words("Guest bedroom"), &["bedroom", "guest"]),
            Some("bedroom")
        );
        assert_eq!(first(&words(""), &["x"]), None);
    }
}
