//! The command line: clap definitions, the global options docker compose users know, and one
//! file per command.

mod attach;
mod attach_service;
mod build;
mod commit;
mod config;
mod config_json;
mod config_yaml;
mod cp;
mod create;
mod daily_support;
mod down;
mod engine_session;
mod events;
mod exec;
mod export;
mod go_template;
mod graph;
mod help;
mod images;
mod interactive;
mod lifecycle;
mod log_printer;
mod logs;
mod ls;
mod output;
mod pause;
mod port;
mod progress;
mod ps;
mod pull;
mod pull_policy;
mod run;
mod scale;
mod service_args;
mod stats;
mod timings;
mod top;
mod up;
mod validate;
mod volumes;
mod wait;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};
use indexmap::IndexMap;

use crate::project::LoadOptions;

/// Exit codes, as documented in the README.
pub mod exit {
    /// Everything worked.
    pub const OK: u8 = 0;
    /// The project or the engine failed.
    pub const FAILURE: u8 = 1;
    /// Bad usage, or an invalid compose file.
    pub const INVALID: u8 = 2;
}

#[derive(Debug, Parser)]
#[command(
    name = "rcompose",
    version,
    about = "Define and run multi-container applications with Docker, from compose files",
    disable_version_flag = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOptions,

    #[command(subcommand)]
    pub command: Command,
}

/// The options every command takes, with docker compose's names and environment variables.
#[derive(Debug, Args, Clone, Default)]
pub struct GlobalOptions {
    /// Compose configuration files (repeatable; `-` reads standard input)
    #[arg(
        id = "global_file",
        short = 'f',
        long = "file",
        global = true,
        value_name = "FILE"
    )]
    pub files: Vec<PathBuf>,

    /// Project name
    #[arg(short = 'p', long = "project-name", global = true, value_name = "NAME")]
    pub project_name: Option<String>,

    /// Alternate working directory (default: the folder of the first compose file)
    #[arg(long = "project-directory", global = true, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,

    /// Alternate environment files (repeatable; default: `.env` in the project directory)
    #[arg(
        id = "global_env_file",
        long = "env-file",
        global = true,
        value_name = "FILE"
    )]
    pub env_files: Vec<PathBuf>,

    /// Profiles to enable (repeatable)
    #[arg(
        id = "global_profile",
        long = "profile",
        global = true,
        value_name = "PROFILE"
    )]
    pub profiles: Vec<String>,

    /// Control max parallelism of engine calls, -1 for unlimited
    #[arg(
        long = "parallel",
        global = true,
        value_name = "N",
        env = "COMPOSE_PARALLEL_LIMIT",
        allow_negative_numbers = true
    )]
    pub parallel: Option<i64>,

    /// Set type of progress output: auto | tty | plain | json | quiet
    #[arg(
        long = "progress",
        global = true,
        value_enum,
        value_name = "MODE",
        env = "COMPOSE_PROGRESS",
        default_value = "auto"
    )]
    pub progress: progress::ProgressMode,

    /// Execute the command in dry run mode: print the plan, change nothing
    #[arg(long = "dry-run", global = true)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Parse, resolve and render the compose file in canonical format
    Config(config::ConfigArgs),
    /// Validate compose files, each as its own project, reporting every problem
    Validate(validate::ValidateArgs),
    /// Create and start containers
    Up(up::UpArgs),
    /// Stop and remove containers, networks
    Down(down::DownArgs),
    /// List containers
    Ps(ps::PsArgs),
    /// List running compose projects
    Ls(ls::LsArgs),
    /// Start services
    Start(lifecycle::StartArgs),
    /// Stop services
    Stop(lifecycle::StopArgs),
    /// Restart service containers
    Restart(lifecycle::RestartArgs),
    /// Removes stopped service containers
    Rm(lifecycle::RmArgs),
    /// Force stop service containers
    Kill(lifecycle::KillArgs),
    /// Show the rcompose version information
    Version(VersionArgs),
    /// Build or rebuild services
    Build(build::BuildArgs),
    // --- the daily commands
    /// Pull service images
    Pull(pull::PullArgs),
    /// List images used by the created containers
    Images(images::ImagesArgs),
    /// Display the running processes
    Top(top::TopArgs),
    /// Print the public port for a port binding
    Port(port::PortArgs),
    /// Pause services
    Pause(pause::PauseArgs),
    /// Unpause services
    Unpause(pause::PauseArgs),
    /// Receive real time events from containers
    Events(events::EventsArgs),
    /// Block until containers of all (or specified) services stop
    Wait(wait::WaitArgs),
    /// Copy files/folders between a service container and the local filesystem
    Cp(cp::CpArgs),
    /// Show the dependency graph of the services (text, Graphviz DOT or Mermaid)
    Graph(graph::GraphArgs),
    /// View output from containers
    Logs(logs::LogsArgs),
    /// Execute a command in a running container
    Exec(exec::ExecArgs),
    /// Run a one-off command on a service
    Run(run::RunArgs),
    // --- the commands v2 has besides (one file each)
    /// Attach local standard input, output, and error streams to a service's running container
    Attach(attach_service::AttachArgs),
    /// Creates containers for a service
    Create(create::CreateArgs),
    /// Scale services
    Scale(scale::ScaleArgs),
    /// List volumes
    Volumes(volumes::VolumesArgs),
    /// Create a new image from a service container's changes
    Commit(commit::CommitArgs),
    /// Export a service container's filesystem as a tar archive
    Export(export::ExportArgs),
    /// Display a live stream of container(s) resource usage statistics
    Stats(stats::StatsArgs),
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Show only the version number
    #[arg(long)]
    short: bool,
    /// Format the output: pretty | json
    #[arg(long, value_name = "FORMAT", default_value = "pretty")]
    format: String,
}

/// Runs the command line with the process's arguments and environment.
pub fn run() -> ExitCode {
    run_with(std::env::args_os())
}

pub fn run_with(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    // Nearly every command loads the project, which compiles a schema.
    crate::project::schema::prepare_in_background();
    let args = service_args::rewrite_short_options(args.into_iter().collect());
    let parsed = help::with_grouped_help(Cli::command())
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                exit::INVALID
            } else {
                exit::OK
            });
        }
    };
    let code = match cli.command {
        Command::Config(args) => config::run(&cli.global, &args),
        Command::Validate(args) => validate::run(&cli.global, &args),
        Command::Version(args) => version(&args),
        Command::Up(args) => up::run(&cli.global, &args),
        Command::Down(args) => down::run(&cli.global, &args),
        Command::Ps(args) => ps::run(&cli.global, &args),
        Command::Ls(args) => ls::run(&cli.global, &args),
        Command::Start(args) => lifecycle::start(&cli.global, &args),
        Command::Stop(args) => lifecycle::stop(&cli.global, &args),
        Command::Restart(args) => lifecycle::restart(&cli.global, &args),
        Command::Rm(args) => lifecycle::rm(&cli.global, &args),
        Command::Kill(args) => lifecycle::kill(&cli.global, &args),
        Command::Build(args) => build::run(&cli.global, &args),
        Command::Pull(args) => pull::run(&cli.global, &args),
        Command::Images(args) => images::run(&cli.global, &args),
        Command::Top(args) => top::run(&cli.global, &args),
        Command::Port(args) => port::run(&cli.global, &args),
        Command::Pause(args) => pause::pause(&cli.global, &args),
        Command::Unpause(args) => pause::unpause(&cli.global, &args),
        Command::Events(args) => events::run(&cli.global, &args),
        Command::Wait(args) => wait::run(&cli.global, &args),
        Command::Cp(args) => cp::run(&cli.global, &args),
        Command::Graph(args) => graph::run(&cli.global, &args),
        Command::Logs(args) => logs::run(&cli.global, &args),
        Command::Exec(args) => exec::run(&cli.global, &args),
        Command::Run(args) => run::run(&cli.global, &args),
        Command::Attach(args) => attach_service::run(&cli.global, &args),
        Command::Create(args) => create::run(&cli.global, &args),
        Command::Scale(args) => scale::run(&cli.global, &args),
        Command::Volumes(args) => volumes::run(&cli.global, &args),
        Command::Commit(args) => commit::run(&cli.global, &args),
        Command::Export(args) => export::run(&cli.global, &args),
        Command::Stats(args) => stats::run(&cli.global, &args),
    };
    ExitCode::from(code)
}

fn version(args: &VersionArgs) -> u8 {
    let version = env!("CARGO_PKG_VERSION");
    if args.short {
        println!("{version}");
    } else if args.format == "json" {
        println!("{}", serde_json::json!({ "version": version }));
    } else {
        println!("rcompose version v{version}");
    }
    exit::OK
}

/// The process environment as the loader sees it.
pub fn process_environment() -> IndexMap<String, String> {
    std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
        .collect()
}

impl GlobalOptions {
    /// Loader options for this invocation; `COMPOSE_PROFILES` and friends are read by the loader
    /// itself because `.env` may set them.
    pub fn load_options(&self, interpolate: bool, strict: bool) -> LoadOptions {
        let working_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let environment = process_environment();
        let mut options = LoadOptions {
            files: self.files.clone(),
            project_directory: self.project_directory.clone(),
            project_name: self.project_name.clone(),
            env_files: self.env_files.clone(),
            profiles: self.profiles.clone(),
            interpolate,
            strict,
            working_dir,
            environment,
            stdin: None,
            diagnostics_only: false,
        };
        if options.files.iter().any(|f| f.as_os_str() == "-") {
            let mut text = String::new();
            let _ = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text);
            options.stdin = Some(text);
        }
        options
    }
}
