//! The value syntaxes the schemas name as `format`s: durations and short port specifications.
//! Each returns the reason a value is invalid, so diagnostics can say what is wrong.

/// Which duration units are accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DurationUnits {
    /// Go's `time.ParseDuration`: `ns`, `us` (`µs`, `μs`), `ms`, `s`, `m`, `h`. docker/cli
    /// checks 3.x files with it.
    Go,
    /// The Go units plus `d` (24h) and `w` (7d): what docker compose v2 (compose-go) accepts when
    /// it decodes a duration.
    Compose,
}

const MAX: u64 = 1 << 63;

/// Parses a duration as Go does (`1h30m`, `-1.5s`, `0`), returning nanoseconds.
pub fn parse_duration(text: &str, units: DurationUnits) -> Result<i128, String> {
    let invalid = || format!("invalid duration `{text}`");
    let mut rest = text;
    let mut negative = false;
    if let Some(unsigned) = rest.strip_prefix('-') {
        negative = true;
        rest = unsigned;
    } else if let Some(unsigned) = rest.strip_prefix('+') {
        rest = unsigned;
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        if !rest.starts_with(|c: char| c == '.' || c.is_ascii_digit()) {
            return Err(invalid());
        }
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        let (whole, after) = rest.split_at(digits);
        let mut value: u64 = 0;
        for digit in whole.bytes() {
            if value > MAX / 10 {
                return Err(invalid());
            }
            value = value * 10 + u64::from(digit - b'0');
            if value > MAX {
                return Err(invalid());
            }
        }
        rest = after;
        let mut fraction: u64 = 0;
        let mut scale: f64 = 1.0;
        let mut has_fraction = false;
        if let Some(after_dot) = rest.strip_prefix('.') {
            let digits = after_dot.len()
                - after_dot
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .len();
            let (decimals, after) = after_dot.split_at(digits);
            has_fraction = !decimals.is_empty();
            let mut overflow = false;
            for digit in decimals.bytes() {
                if overflow {
                    continue;
                }
                if fraction > (MAX - 1) / 10 {
                    overflow = true;
                    continue;
                }
                let next = fraction * 10 + u64::from(digit - b'0');
                if next > MAX {
                    overflow = true;
                    continue;
                }
                fraction = next;
                scale *= 10.0;
            }
            rest = after;
        }
        if whole.is_empty() && !has_fraction {
            return Err(invalid());
        }
        let unit_len = rest
            .find(|c: char| c == '.' || c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (unit, after) = rest.split_at(unit_len);
        rest = after;
        if unit.is_empty() {
            return Err(format!("invalid duration `{text}`: missing unit"));
        }
        let nanos: u64 = match unit {
            "ns" => 1,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" if units == DurationUnits::Compose => 86_400_000_000_000,
            "w" if units == DurationUnits::Compose => 604_800_000_000_000,
            _ => return Err(format!("invalid duration `{text}`: unknown unit `{unit}`")),
        };
        if value > MAX / nanos {
            return Err(invalid());
        }
        value *= nanos;
        if fraction > 0 {
            // Same rounding as Go: the fraction is scaled in floating point.
            value += (fraction as f64 * (nanos as f64 / scale)) as u64;
            if value > MAX {
                return Err(invalid());
            }
        }
        total = match total.checked_add(value) {
            Some(sum) if sum <= MAX => sum,
            _ => return Err(invalid()),
        };
    }
    if negative {
        return Ok(-i128::from(total));
    }
    if total > MAX - 1 {
        return Err(invalid());
    }
    Ok(i128::from(total))
}

/// Checks a short port specification (`[ip:][host:]container[/protocol]`, ports or ranges) the
/// way docker compose v2 parses it (go-connections' `nat.ParsePortSpec`, then compose-go's check
/// that a container port is given).
pub fn check_port_spec(spec: &str) -> Result<(), String> {
    let invalid = |reason: String| format!("invalid port `{spec}`: {reason}");
    let parts: Vec<&str> = spec.split(':').collect();
    let (ip, host, container) = match parts.as_slice() {
        [container] => (String::new(), "", *container),
        [host, container] => (String::new(), *host, *container),
        [ip, host, container] => (ip.to_string(), *host, *container),
        [ip_parts @ .., host, container] => (ip_parts.join(":"), *host, *container),
        [] => (String::new(), "", ""),
    };
    let (port, protocol) = match container.split_once('/') {
        Some(("", _)) => ("", ""),
        Some((port, "")) => (port, "tcp"),
        Some((port, protocol)) => (port, protocol),
        None if container.is_empty() => ("", ""),
        None => (container, "tcp"),
    };
    let protocol = protocol.to_ascii_lowercase();
    if !matches!(protocol.as_str(), "tcp" | "udp" | "sctp") {
        return Err(invalid(if protocol.is_empty() {
            "no container port".to_string()
        } else {
            format!("unknown protocol `{protocol}` (expected `tcp`, `udp` or `sctp`)")
        }));
    }
    let mut address = ip.as_str();
    if let Some(bracketed) = address.strip_prefix('[') {
        match bracketed.split_once(']') {
            Some((inner, "")) if !inner.contains(['[', ']']) => address = inner,
            _ => return Err(invalid(format!("invalid IP address `{ip}`"))),
        }
    }
    if !address.is_empty() && address.parse::<std::net::IpAddr>().is_err() {
        return Err(invalid(format!("invalid IP address `{address}`")));
    }
    let (start, end) =
        port_range(port).ok_or_else(|| invalid(format!("invalid container port `{port}`")))?;
    if !host.is_empty() {
        let (host_start, host_end) =
            port_range(host).ok_or_else(|| invalid(format!("invalid host port `{host}`")))?;
        if end - start != host_end - host_start && end != start {
            return Err(invalid(format!(
                "the container range `{port}` and the host range `{host}` differ in size"
            )));
        }
    }
    if start == 0 {
        return Err(invalid("the container port is 0".to_string()));
    }
    Ok(())
}

/// `80` or `8000-8010`; like go-connections, only the first two parts of a range count.
fn port_range(text: &str) -> Option<(u32, u32)> {
    let number = |digits: &str| -> Option<u32> {
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse::<u32>().ok().filter(|port| *port <= 65535)
    };
    match text.split_once('-') {
        None => number(text).map(|port| (port, port)),
        Some((start, rest)) => {
            let end = rest.split('-').next().unwrap_or(rest);
            let (start, end) = (number(start)?, number(end)?);
            (end >= start).then_some((start, end))
        }
    }
}

/// What the Compose Specification's pattern for `container_name`, `[a-zA-Z0-9][a-zA-Z0-9_.-]+`,
/// matches (it is not anchored): a letter or digit followed by a letter, digit, `_`, `.` or `-`.
pub fn container_name_matches(name: &str) -> bool {
    // ASCII bytes never occur inside a multi-byte UTF-8 character, so bytes will do.
    name.as_bytes().windows(2).any(|pair| {
        pair[0].is_ascii_alphanumeric()
            && (pair[1].is_ascii_alphanumeric() || matches!(pair[1], b'_' | b'.' | b'-'))
    })
}

/// What the Compose Specification's pattern for `pull_policy` matches (it is not anchored):
/// `always|never|build|if_not_present|missing|refresh|daily|weekly|every_([0-9]+[wdhms])+`.
pub fn pull_policy_matches(policy: &str) -> bool {
    const WORDS: &[&str] = &[
        "always",
        "never",
        "build",
        "if_not_present",
        "missing",
        "refresh",
        "daily",
        "weekly",
    ];
    if WORDS.iter().any(|word| policy.contains(word)) {
        return true;
    }
    policy.match_indices("every_").any(|(at, word)| {
        let rest = &policy.as_bytes()[at + word.len()..];
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        digits > 0 && matches!(rest.get(digits), Some(b'w' | b'd' | b'h' | b'm' | b's'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: i128 = 1_000_000_000;

    #[test]
    fn durations_follow_go_syntax() {
        let go = |text| parse_duration(text, DurationUnits::Go);
        assert_eq!(go("1h30m"), Ok(5400 * SECOND));
        assert_eq!(go("1.5s"), Ok(1_500_000_000));
        assert_eq!(go(".5s"), Ok(500_000_000));
        assert_eq!(go("5.s"), Ok(5 * SECOND));
        assert_eq!(go("-1s"), Ok(-SECOND));
        assert_eq!(go("+1s"), Ok(SECOND));
        assert_eq!(go("0"), Ok(0));
        assert_eq!(go("-0"), Ok(0));
        assert_eq!(go("1us"), Ok(1_000));
        assert_eq!(go("1\u{b5}s"), Ok(1_000));
        assert_eq!(go("1\u{3bc}s"), Ok(1_000));
        assert_eq!(go("2562047h"), Ok(2_562_047 * 3600 * SECOND));
        assert_eq!(go("-9223372036854775808ns"), Ok(-(1 << 63)));
        assert!(go("9223372036854775808ns").is_err());
        for bad in [
            "",
            "1",
            "1 s",
            " 1s",
            "1S",
            "1d",
            "1w",
            "1y",
            "1e3s",
            ".s",
            "-",
            "2562048h",
            "9223372036854775808ns9223372036854775808ns",
            "99999999999999999999s",
        ] {
            assert!(go(bad).is_err(), "{bad:?} should be rejected");
        }
        assert_eq!(
            go("10x"),
            Err("invalid duration `10x`: unknown unit `x`".to_string())
        );
    }

    #[test]
    fn compose_durations_add_days_and_weeks() {
        let compose = |text| parse_duration(text, DurationUnits::Compose);
        assert_eq!(compose("1d"), Ok(86_400 * SECOND));
        assert_eq!(compose("1.5d"), Ok(129_600 * SECOND));
        assert_eq!(compose("1w"), Ok(604_800 * SECOND));
        assert_eq!(compose("1h1d"), Ok(90_000 * SECOND));
        assert!(compose("1mo").is_err());
        assert!(compose("").is_err());
    }

    #[test]
    fn names_and_pull_policies_match_the_upstream_patterns() {
        for good in ["ab", "web-1", "a.b", "-ab", "a_", "é0.", "my app"] {
            assert!(container_name_matches(good), "{good:?}");
        }
        for bad in ["", "a", "-a", "_a", "a é", "é", ".-_"] {
            assert!(!container_name_matches(bad), "{bad:?}");
        }
        for good in [
            "always",
            "never",
            "missing",
            "build",
            "if_not_present",
            "daily",
            "weekly",
            "refresh",
            "every_12h",
            "every_1d2h",
            "xalwaysx",
            "every_every_5m",
        ] {
            assert!(pull_policy_matches(good), "{good:?}");
        }
        for bad in [
            "", "foo", "every_", "every_h", "every_5", "every_5x", "Always",
        ] {
            assert!(!pull_policy_matches(bad), "{bad:?}");
        }
    }

    #[test]
    fn port_specs_follow_docker_compose_v2() {
        // Accepted and rejected by docker compose v2.40.3 (`docker compose config`).
        for good in [
            "80",
            "80/tcp",
            "80/udp",
            "80/sctp",
            "80/TCP",
            "80/",
            "8080:80",
            "8080:80/udp",
            "127.0.0.1:8080:80",
            "127.0.0.1::80",
            ":80",
            "::80",
            "0.0.0.0:80:80",
            "::1:8080:80",
            "fe80::1:8080:80",
            "[::1]:8080:80",
            "[::1]::80",
            "[1.2.3.4]:80:80",
            "80-90",
            "80-90:80-90",
            "8000-8010:80",
            "8000-8010:80-80",
            "80-90:90",
            "65535",
            "0:80",
            "080",
            "1-2-3",
            "::ffff:1.2.3.4:80:80",
            "1.2.3.4:80-81:90-91/udp",
        ] {
            assert_eq!(check_port_spec(good), Ok(()), "{good:?}");
        }
        for bad in [
            "80/xyz",
            "/tcp",
            "",
            "localhost:8080:80",
            "999.1.1.1:80:80",
            "8000-8001:80-90",
            "80-79",
            "65536",
            "0",
            "0-5",
            "80:0",
            "-1",
            "abc",
            "80:abc",
            "abc:80",
            " 80",
            "80 ",
            "+80",
            "0x50",
            "a:b:c:d:80",
            "[::1]:80",
            "[fe80::1%eth0]:80:80",
            "1-",
            "80-",
            "1.2.3.4:80",
            "80/udp/x",
            "[::1:80:80",
            "80-65536",
            ":::80",
            "1.2.3.4::",
            "1.2.3.4:80:",
            "80:80:80:80",
        ] {
            assert!(check_port_spec(bad).is_err(), "{bad:?} should be rejected");
        }
    }
}
