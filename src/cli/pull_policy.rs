//! `--pull` of `up` and `run`: one pull policy for every service, over each service's
//! `pull_policy`, as docker compose v2 applies it (`policy`, the default, keeps each service's).

use serde_json::Value as J;

/// The value of `--pull`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PullOverride {
    /// Each service's own `pull_policy`.
    #[default]
    Policy,
    Always,
    Missing,
    Never,
    Build,
}

/// Parses `--pull`; docker compose's synonyms (`if_not_present` for `missing`) are accepted.
pub fn parse(text: &str) -> Result<PullOverride, String> {
    match text {
        "policy" => Ok(PullOverride::Policy),
        "always" => Ok(PullOverride::Always),
        "missing" | "if_not_present" => Ok(PullOverride::Missing),
        "never" => Ok(PullOverride::Never),
        "build" => Ok(PullOverride::Build),
        _ => Err(format!(
            "invalid --pull option \"{text}\": expected always, missing, never, build or policy"
        )),
    }
}

impl PullOverride {
    /// The pull policy in force for a service of the canonical model.
    pub fn policy_of(self, service: &J) -> Option<&str> {
        match self {
            PullOverride::Policy => service.get("pull_policy").and_then(J::as_str),
            PullOverride::Always => Some("always"),
            PullOverride::Missing => Some("missing"),
            PullOverride::Never => Some("never"),
            PullOverride::Build => Some("build"),
        }
    }

    /// Whether the image of a service without `build:` is pulled, given whether it is present.
    pub fn pulls(self, service: &J, present: bool) -> bool {
        match self.policy_of(service) {
            Some("always") => true,
            Some("never" | "build") => false,
            _ => !present,
        }
    }

    /// Whether a service with `build:` is built on every run (`pull_policy: build`).
    pub fn always_builds(self, service: &J) -> bool {
        self.policy_of(service) == Some("build")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_override_replaces_each_services_policy() {
        let never = json!({"pull_policy": "never"});
        let plain = json!({});
        assert!(!PullOverride::Policy.pulls(&never, false));
        assert!(PullOverride::Policy.pulls(&plain, false));
        assert!(!PullOverride::Policy.pulls(&plain, true));
        assert!(PullOverride::Always.pulls(&never, true));
        assert!(PullOverride::Missing.pulls(&never, false));
        assert!(!PullOverride::Missing.pulls(&never, true));
        assert!(!PullOverride::Never.pulls(&plain, false));
        assert!(PullOverride::Build.always_builds(&plain));
        assert!(!PullOverride::Missing.always_builds(&json!({"pull_policy": "build"})));
        assert_eq!(parse("if_not_present"), Ok(PullOverride::Missing));
        assert_eq!(
            parse("bogus"),
            Err(
                "invalid --pull option \"bogus\": expected always, missing, never, build or policy"
                    .to_string()
            )
        );
    }
}
