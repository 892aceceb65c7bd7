//! Reading the canonical model: small accessors that accept what the canonical form may hold
//! (numbers as numbers or strings, sizes as byte strings, durations as Go durations).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value as J;

use crate::project::canonical::units;

pub fn str_at<'a>(value: &'a J, key: &str) -> Option<&'a str> {
    value.get(key).and_then(J::as_str)
}

pub fn bool_at(value: &J, key: &str) -> bool {
    value.get(key).and_then(J::as_bool).unwrap_or(false)
}

/// A scalar as the engine wants it in a string: `1024` → `"1024"`, `true` → `"true"`.
pub fn scalar_text(value: &J) -> Option<String> {
    match value {
        J::String(text) => Some(text.clone()),
        J::Number(number) => Some(number.to_string()),
        J::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// An integer written as a number or a numeric string.
pub fn int(value: &J) -> Option<i64> {
    match value {
        J::Number(number) => number
            .as_i64()
            .or_else(|| number.as_f64().map(|float| float as i64)),
        J::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

pub fn int_at(value: &J, key: &str) -> Option<i64> {
    value.get(key).and_then(int)
}

pub fn float(value: &J) -> Option<f64> {
    match value {
        J::Number(number) => number.as_f64(),
        J::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

/// A size: bytes as a number, or a byte string (`"67108864"`, `"64m"`).
pub fn bytes(value: &J) -> Option<i64> {
    match value {
        J::String(text) => units::parse_bytes(text),
        other => int(other),
    }
}

pub fn bytes_at(value: &J, key: &str) -> Option<i64> {
    value.get(key).and_then(bytes)
}

/// A Go duration string (`"1m30s"`) or a number of seconds; negative ones are `None`.
pub fn duration(value: &J) -> Option<Duration> {
    let nanos = match value {
        J::String(text) => units::parse_duration(text)?,
        J::Number(number) => (number.as_f64()? * 1e9) as i128,
        _ => return None,
    };
    u64::try_from(nanos).ok().map(Duration::from_nanos)
}

pub fn duration_at(value: &J, key: &str) -> Option<Duration> {
    value.get(key).and_then(duration)
}

/// A list of strings (scalars converted); anything else is empty.
pub fn strings_at(value: &J, key: &str) -> Vec<String> {
    value
        .get(key)
        .and_then(J::as_array)
        .map(|items| items.iter().filter_map(scalar_text).collect())
        .unwrap_or_default()
}

/// A list of strings that may be `null` (`command: null` leaves the image's).
pub fn optional_strings_at(value: &J, key: &str) -> Option<Vec<String>> {
    match value.get(key)? {
        J::Array(items) => Some(items.iter().filter_map(scalar_text).collect()),
        J::String(text) => Some(vec![text.clone()]),
        _ => None,
    }
}

/// A mapping of strings, sorted; `null` values become empty strings.
pub fn string_map_at(value: &J, key: &str) -> BTreeMap<String, String> {
    value
        .get(key)
        .and_then(J::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), scalar_text(v).unwrap_or_default()))
                .collect()
        })
        .unwrap_or_default()
}

/// A non-empty string.
pub fn non_empty(value: Option<&str>) -> Option<String> {
    value.filter(|text| !text.is_empty()).map(String::from)
}
