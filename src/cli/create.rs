//! `rcompose create [SERVICE...]`: docker compose v2's `create`, which is `up --no-start`:
//! the networks, volumes and containers are created (pulled or built images first), nothing is
//! started. The planning and execution are `up`'s own: the options are handed to it as the
//! arguments `up` reads, so both commands keep one meaning for each flag. Until `up` takes
//! `--pull`, `create --pull always` runs `pull` first and `--pull never` is refused.

use clap::{Args, ValueEnum};

use super::{exit, GlobalOptions};

/// `--pull`: v2's values (`policy`, its default, follows each service's `pull_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PullWhen {
    Always,
    Missing,
    Never,
    Build,
    Policy,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Services to create (and what they depend on); default: all
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
    /// Build images before starting containers
    #[arg(long, conflicts_with = "no_build")]
    build: bool,
    /// Don't build an image, even if it's missing
    #[arg(long)]
    no_build: bool,
    /// Recreate containers even if their configuration and image haven't changed
    #[arg(long, conflicts_with = "no_recreate")]
    force_recreate: bool,
    /// If containers already exist, don't recreate them
    #[arg(long)]
    no_recreate: bool,
    /// Pull image before running: always | missing | never | build | policy
    #[arg(long, value_enum, value_name = "POLICY", default_value = "policy")]
    pull: PullWhen,
    /// Pull without printing progress information
    #[arg(long)]
    quiet_pull: bool,
    /// Remove containers for services not defined in the compose file
    #[arg(long)]
    remove_orphans: bool,
    /// Scale SERVICE to NUM instances (overrides `scale` and `deploy.replicas`); repeatable
    #[arg(long, value_name = "SERVICE=NUM")]
    scale: Vec<String>,
    /// Assume "yes" as answer to all prompts and run non-interactively
    #[arg(short = 'y', long)]
    yes: bool,
}

/// The `up` command line that means the same as this `create` one. `--pull` and `--quiet-pull`
/// are handed on when `up` takes them (`up_knows`), else `create` handles them itself.
fn up_arguments(args: &CreateArgs, up_knows: &dyn Fn(&str) -> bool) -> Vec<String> {
    let mut argv = vec!["up".to_string(), "--no-start".to_string()];
    let own_pull = !up_knows("pull");
    let flags = [
        (
            args.build || (own_pull && args.pull == PullWhen::Build),
            "--build",
        ),
        (args.no_build, "--no-build"),
        (args.force_recreate, "--force-recreate"),
        (args.no_recreate, "--no-recreate"),
        (args.remove_orphans, "--remove-orphans"),
        (args.quiet_pull && up_knows("quiet_pull"), "--quiet-pull"),
    ];
    argv.extend(
        flags
            .iter()
            .filter(|(on, _)| *on)
            .map(|(_, f)| f.to_string()),
    );
    if !own_pull && args.pull != PullWhen::Policy {
        let value = args
            .pull
            .to_possible_value()
            .map(|v| v.get_name().to_string());
        argv.push(format!("--pull={}", value.unwrap_or_default()));
    }
    for scale in &args.scale {
        argv.push(format!("--scale={scale}"));
    }
    argv.push("--".to_string());
    argv.extend(args.services.iter().cloned());
    argv
}

/// Whether `up` has an option of this id (`pull`, `quiet_pull`): another branch may add them.
fn up_has(id: &str) -> bool {
    super::up::UpArgs::augment_args(clap::Command::new("up"))
        .get_arguments()
        .any(|arg| arg.get_id() == id)
}

/// The `pull` command line that `--pull always` runs first.
fn pull_arguments(args: &CreateArgs) -> Vec<String> {
    let mut argv = vec!["pull".to_string(), "--include-deps".to_string()];
    argv.push("--ignore-buildable".to_string());
    if args.quiet_pull {
        argv.push("--quiet".to_string());
    }
    argv.push("--".to_string());
    argv.extend(args.services.iter().cloned());
    argv
}

pub(super) fn parse<T: clap::FromArgMatches + Args>(argv: Vec<String>) -> Result<T, u8> {
    let command = T::augment_args(clap::Command::new("rcompose"));
    command
        .try_get_matches_from(argv)
        .and_then(|matches| T::from_arg_matches(&matches))
        .map_err(|error| {
            let _ = error.print();
            exit::INVALID
        })
}

pub fn run(global: &GlobalOptions, args: &CreateArgs) -> u8 {
    let own_pull = !up_has("pull");
    if own_pull && args.pull == PullWhen::Never {
        // `up` pulls what is missing; refusing that needs an option of its own.
        eprintln!("error: `create --pull never` is not supported yet: use `pull_policy: never` on the services");
        return exit::INVALID;
    }
    if own_pull && args.pull == PullWhen::Always && !global.dry_run {
        let pull_args: super::pull::PullArgs = match parse(pull_arguments(args)) {
            Ok(parsed) => parsed,
            Err(code) => return code,
        };
        let code = super::pull::run(global, &pull_args);
        if code != exit::OK {
            return code;
        }
    }
    match parse::<super::up::UpArgs>(up_arguments(args, &up_has)) {
        Ok(up_args) => super::up::run(global, &up_args),
        Err(code) => code,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: CreateArgs,
    }

    #[test]
    fn create_is_up_no_start_with_the_same_flags() {
        let wrapper = Wrapper::parse_from([
            "create",
            "--build",
            "--force-recreate",
            "--scale",
            "web=2",
            "--remove-orphans",
            "web",
        ]);
        assert_eq!(
            up_arguments(&wrapper.args, &|_| false),
            [
                "up",
                "--no-start",
                "--build",
                "--force-recreate",
                "--remove-orphans",
                "--scale=web=2",
                "--",
                "web"
            ]
        );
        let up: super::super::up::UpArgs =
            parse(up_arguments(&wrapper.args, &up_has)).expect("parses");
        assert!(format!("{up:?}").contains("no_start: true"));
        // Once `up` takes `--pull`, it is handed on.
        let wrapper = Wrapper::parse_from(["create", "--pull", "never", "--quiet-pull"]);
        assert_eq!(
            up_arguments(&wrapper.args, &|_| true),
            ["up", "--no-start", "--quiet-pull", "--pull=never", "--"]
        );
    }
}
