//! `ports` in long syntax: `[[ip:]published:]target[/protocol]` expanded, ranges included,
//! as docker's `nat.ParsePortSpec` reads them.

use serde_json::{json, Map, Value as J};

use crate::project::node::{Node, Value};

/// One port entry (short string, number or long mapping) → long-syntax entries.
pub fn canonical(node: &Node) -> Result<Vec<J>, String> {
    match &node.value {
        Value::Str(spec) => parse_short(spec),
        Value::Int(port) => parse_short(&port.to_string()),
        Value::Map(map) => {
            let mut out = Map::new();
            if let Some(name) = map.get("name") {
                out.insert("name".into(), name.to_json());
            }
            let mode = map.get("mode").and_then(Node::scalar_text);
            out.insert(
                "mode".into(),
                J::from(mode.unwrap_or_else(|| "ingress".into())),
            );
            if let Some(ip) = map.get("host_ip").and_then(Node::scalar_text) {
                out.insert("host_ip".into(), J::from(ip));
            }
            if let Some(target) = map.get("target") {
                out.insert("target".into(), as_port_number(target)?);
            }
            if let Some(published) = map.get("published").and_then(Node::scalar_text) {
                if !published.is_empty() {
                    out.insert("published".into(), J::from(published));
                }
            }
            let protocol = map.get("protocol").and_then(Node::scalar_text);
            out.insert(
                "protocol".into(),
                J::from(protocol.unwrap_or_else(|| "tcp".into())),
            );
            if let Some(app) = map.get("app_protocol") {
                out.insert("app_protocol".into(), app.to_json());
            }
            for (key, value) in map {
                if key.starts_with("x-") {
                    out.insert(key.clone(), value.to_json());
                }
            }
            Ok(vec![J::Object(out)])
        }
        _ => Err(format!(
            "a port must be a string, a number or a mapping, found {}",
            node.kind_name()
        )),
    }
}

fn as_port_number(node: &Node) -> Result<J, String> {
    match &node.value {
        Value::Int(port) => Ok(J::from(*port)),
        Value::Str(text) => text
            .parse::<u16>()
            .map(J::from)
            .map_err(|_| format!("invalid port `{text}`")),
        _ => Err(format!("invalid port {}", node.kind_name())),
    }
}

fn parse_range(text: &str) -> Result<(u32, u32), String> {
    let invalid = || format!("invalid port `{text}`");
    let (start, end) = match text.split_once('-') {
        Some((start, end)) => (start, end),
        None => (text, text),
    };
    let start: u32 = start.parse().map_err(|_| invalid())?;
    let end: u32 = end.parse().map_err(|_| invalid())?;
    if end < start || end > 65535 {
        return Err(format!("invalid port range `{text}`"));
    }
    Ok((start, end))
}

/// Parses the short syntax.
pub fn parse_short(spec: &str) -> Result<Vec<J>, String> {
    let (rest, protocol) = match spec.rsplit_once('/') {
        Some((rest, protocol)) if !protocol.is_empty() => (rest, protocol),
        Some(_) => return Err(format!("invalid port `{spec}`: empty protocol")),
        None => (spec, "tcp"),
    };
    let (host_ip, published, target) = split_parts(rest).ok_or_else(|| {
        format!("invalid port `{spec}`: expected [[ip:]published:]target[/protocol]")
    })?;
    let host_ip = host_ip.trim_start_matches('[').trim_end_matches(']');
    if target.is_empty() {
        return Err(format!("invalid port `{spec}`: no container port"));
    }
    let (target_start, target_end) = parse_range(target)?;
    let published_range = if published.is_empty() {
        None
    } else {
        Some(parse_range(published)?)
    };
    let entry = |target: u32, published: Option<String>| {
        let mut out = Map::new();
        out.insert("mode".into(), json!("ingress"));
        if !host_ip.is_empty() {
            out.insert("host_ip".into(), json!(host_ip));
        }
        out.insert("target".into(), json!(target));
        if let Some(published) = published {
            out.insert("published".into(), json!(published));
        }
        // The short syntax's protocol is lower-cased (`80/TCP` → tcp); the long one's is not.
        out.insert("protocol".into(), json!(protocol.to_ascii_lowercase()));
        J::Object(out)
    };
    let count = target_end - target_start;
    match published_range {
        None => Ok((target_start..=target_end)
            .map(|t| entry(t, None))
            .collect()),
        Some((p_start, p_end)) if count == 0 => {
            let published = if p_start == p_end {
                p_start.to_string()
            } else {
                format!("{p_start}-{p_end}")
            };
            Ok(vec![entry(target_start, Some(published))])
        }
        Some((p_start, p_end)) if p_end - p_start == count => Ok((0..=count)
            .map(|i| entry(target_start + i, Some((p_start + i).to_string())))
            .collect()),
        Some(_) => Err(format!(
            "invalid port `{spec}`: the host and container port ranges differ in length"
        )),
    }
}

/// `ip:published:target`, `published:target` or `target`; an IPv6 address may hold colons.
fn split_parts(text: &str) -> Option<(&str, &str, &str)> {
    match text.rsplit_once(':') {
        None => Some(("", "", text)),
        Some((rest, target)) => match rest.rsplit_once(':') {
            None => Some(("", rest, target)),
            Some((ip, published)) => {
                if ip.contains(':') && !(ip.starts_with('[') && ip.ends_with(']')) {
                    // Unbracketed IPv6: everything but the last two parts is the address.
                    return Some((ip, published, target));
                }
                Some((ip, published, target))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_ports_expand_as_docker_compose_does() {
        assert_eq!(
            parse_short("127.0.0.1:53:53/udp").unwrap(),
            vec![
                json!({"mode":"ingress","host_ip":"127.0.0.1","target":53,"published":"53","protocol":"udp"})
            ]
        );
        assert_eq!(
            parse_short("8000-8001:9000").unwrap(),
            vec![json!({"mode":"ingress","target":9000,"published":"8000-8001","protocol":"tcp"})]
        );
        assert_eq!(parse_short("9000-9001:9000-9001").unwrap().len(), 2);
        assert_eq!(
            parse_short("[::1]:80:80").unwrap(),
            vec![
                json!({"mode":"ingress","host_ip":"::1","target":80,"published":"80","protocol":"tcp"})
            ]
        );
        assert_eq!(
            parse_short("127.0.0.1::81").unwrap(),
            vec![json!({"mode":"ingress","host_ip":"127.0.0.1","target":81,"protocol":"tcp"})]
        );
        assert!(parse_short("80:80-81").is_err());
        assert!(parse_short("http").is_err());
    }
}
