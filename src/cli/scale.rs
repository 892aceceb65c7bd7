//! `rcompose scale SERVICE=N...`: docker compose v2's `scale`, which is `up -d` with those
//! replica counts for those services (and, unless `--no-deps`, what they depend on): replicas
//! are added and started, or the highest-numbered ones removed; the other services are left
//! alone. `up` plans and runs it, so both keep one meaning for a replica count.

use clap::Args;

use super::{exit, GlobalOptions};

#[derive(Debug, Args)]
pub struct ScaleArgs {
    /// SERVICE=REPLICAS, one or more
    #[arg(value_name = "SERVICE=REPLICAS", required = true)]
    scales: Vec<String>,
    /// Don't start linked services
    #[arg(long)]
    no_deps: bool,
}

/// The `up` command line that means the same as this `scale` one.
fn up_arguments(args: &ScaleArgs) -> Result<Vec<String>, String> {
    let scale = super::up::parse_scale(&args.scales)?;
    let mut argv = vec!["up".to_string(), "--detach".to_string()];
    if args.no_deps {
        argv.push("--no-deps".to_string());
    }
    for (service, replicas) in &scale {
        argv.push(format!("--scale={service}={replicas}"));
    }
    argv.push("--".to_string());
    argv.extend(scale.keys().cloned());
    Ok(argv)
}

pub fn run(global: &GlobalOptions, args: &ScaleArgs) -> u8 {
    let argv = match up_arguments(args) {
        Ok(argv) => argv,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::INVALID;
        }
    };
    match super::create::parse::<super::up::UpArgs>(argv) {
        Ok(up_args) => super::up::run(global, &up_args),
        Err(code) => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_is_up_detached_with_replica_counts() {
        let args = ScaleArgs {
            scales: vec!["web=3".into(), "db=0".into()],
            no_deps: true,
        };
        assert_eq!(
            up_arguments(&args).unwrap(),
            [
                "up",
                "--detach",
                "--no-deps",
                "--scale=db=0",
                "--scale=web=3",
                "--",
                "db",
                "web"
            ]
        );
        let bad = ScaleArgs {
            scales: vec!["web".into()],
            no_deps: false,
        };
        assert!(up_arguments(&bad).unwrap_err().contains("`web`"));
    }
}
