//! Parses a JSON schema while pruning it (see `prune` in `schema.rs`): the subschema of a
//! property whose name is not kept is skipped unparsed and becomes `true`.

use std::collections::HashSet;
use std::fmt;

use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserializer;
use serde_json::{Map, Value as Json};

/// A schema (or any JSON value where a schema may appear).
#[derive(Clone, Copy)]
pub struct Schema<'k> {
    pub keep: &'k HashSet<&'k str>,
}

/// The object of a `properties` keyword: name → subschema.
#[derive(Clone, Copy)]
struct Properties<'k> {
    keep: &'k HashSet<&'k str>,
}

/// The object of `definitions` or `patternProperties`: name → subschema, all kept.
#[derive(Clone, Copy)]
struct Subschemas<'k> {
    keep: &'k HashSet<&'k str>,
}

impl<'de> DeserializeSeed<'de> for Schema<'_> {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Schema<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON schema")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Json, E> {
        Ok(Json::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Json, E> {
        Ok(Json::from(value))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Json, E> {
        Ok(Json::from(value))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Json::Null, Json::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Json, E> {
        Ok(Json::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Json, E> {
        Ok(Json::String(value))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Map::new();
        while let Some(keyword) = map.next_key::<String>()? {
            let value = match keyword.as_str() {
                "properties" => map.next_value_seed(Properties { keep: self.keep })?,
                "definitions" | "patternProperties" => {
                    map.next_value_seed(Subschemas { keep: self.keep })?
                }
                // Data, not schemas.
                "enum" | "const" | "default" | "examples" => map.next_value::<Json>()?,
                _ => map.next_value_seed(self)?,
            };
            out.insert(keyword, value);
        }
        Ok(Json::Object(out))
    }
}

impl<'de> DeserializeSeed<'de> for Properties<'_> {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Properties<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the properties of a JSON schema")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = if self.keep.contains(name.as_str()) {
                map.next_value_seed(Schema { keep: self.keep })?
            } else {
                map.next_value::<IgnoredAny>()?;
                Json::Bool(true)
            };
            out.insert(name, value);
        }
        Ok(Json::Object(out))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Json, E> {
        Ok(Json::Bool(value))
    }
}

impl<'de> DeserializeSeed<'de> for Subschemas<'_> {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Subschemas<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("named JSON schemas")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut out = Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(Schema { keep: self.keep })?;
            out.insert(name, value);
        }
        Ok(Json::Object(out))
    }

    fn visit_bool<E>(self, value: bool) -> Result<Json, E> {
        Ok(Json::Bool(value))
    }
}
