//! The built-in translations: one JSON object per language in the crate's
//! `i18n/` folder, the same files the `<task-monitor>` element fetches on
//! demand. Read here only when a page asks for one, so an English page
//! carries none of them.

use std::collections::BTreeMap;

use super::labels::{Labels, LabelsError};

/// The languages with built-in words besides English (primary subtags).
pub const BUILTIN_LANGUAGES: &[&str] =
    &["es", "fr", "de", "pt", "it", "nl", "ko", "ja", "zh", "ar"];

/// The primary language of a BCP 47 tag, lowercased (`es-MX` -> `es`).
pub fn primary_language(tag: &str) -> String {
    tag.trim()
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// The built-in translation of `lang` (a BCP 47 tag) as JSON, if there is one.
pub fn builtin_json(lang: &str) -> Option<&'static str> {
    Some(match primary_language(lang).as_str() {
        "es" => include_str!("../../i18n/es.json"),
        "fr" => include_str!("../../i18n/fr.json"),
        "de" => include_str!("../../i18n/de.json"),
        "pt" => include_str!("../../i18n/pt.json"),
        "it" => include_str!("../../i18n/it.json"),
        "nl" => include_str!("../../i18n/nl.json"),
        "ko" => include_str!("../../i18n/ko.json"),
        "ja" => include_str!("../../i18n/ja.json"),
        "zh" => include_str!("../../i18n/zh.json"),
        "ar" => include_str!("../../i18n/ar.json"),
        _ => return None,
    })
}

impl Labels {
    /// Labels from a JSON object of keys and templates (`{"start": "Exportar"}`);
    /// keys not given keep their English words.
    pub fn from_json(json: &str) -> Result<Self, LabelsError> {
        let object: BTreeMap<String, String> = serde_json::from_str(json)
            .map_err(|error| LabelsError::NotAnObject(format!("{error:?}")))?;
        let mut labels = Self::english();
        for (key, template) in object {
            labels.set_key(&key, template)?;
        }
        Ok(labels)
    }

    /// The built-in words of `lang` (a BCP 47 tag: `es`, `pt-BR`); English
    /// for English and for a language without built-in words.
    pub fn builtin(lang: &str) -> Self {
        builtin_json(lang)
            .and_then(|json| Self::from_json(json).ok())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::super::labels::Word;
    use super::*;

    /// The `{name}`s of a template, sorted.
    fn names(template: &str) -> Vec<&str> {
        let mut names: Vec<&str> = template
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
            .collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn every_language_says_every_word_with_the_same_values() {
        for lang in BUILTIN_LANGUAGES {
            let json = builtin_json(lang).unwrap();
            let object: BTreeMap<String, String> = serde_json::from_str(json).unwrap();
            let labels = Labels::from_json(json).unwrap();
            for word in Word::ALL {
                let template = object
                    .get(word.key())
                    .unwrap_or_else(|| panic!("{lang} lacks {}", word.key()));
                assert_eq!(
                    names(template),
                    names(word.english()),
                    "{lang}: {}",
                    word.key()
                );
                assert_eq!(labels.template(*word), template);
            }
        }
        assert_eq!(Labels::builtin("ar-EG").direction(), Some("rtl"));
        assert_eq!(
            Labels::builtin("pt-BR").template(Word::Stop),
            Labels::builtin("pt").template(Word::Stop)
        );
        assert_eq!(Labels::builtin("en-GB"), Labels::english());
        assert_eq!(Labels::builtin("tlh"), Labels::english());
    }
}
