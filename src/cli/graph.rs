//! `rcompose graph`: the project's dependency graph (`depends_on` with conditions, `links`,
//! `network_mode: service:x`, `volumes_from`) and the networks each service joins, as a text
//! tree, Graphviz DOT or Mermaid. Only the loader runs; the active profiles decide which
//! services are drawn, as for `config --services`.

use clap::{Args, ValueEnum};

use super::{exit, output, GlobalOptions};
use crate::graph::render;
use crate::graph::view::ProjectGraph;
use crate::project;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Dot,
    Mermaid,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Format the output: text | dot | mermaid
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn run(global: &GlobalOptions, args: &GraphArgs) -> u8 {
    let options = global.load_options(true, false);
    let loaded = project::load(&options);
    output::print_human(&loaded.diagnostics, &loaded.sources);
    let Some(project) = loaded.project else {
        return exit::INVALID;
    };
    let graph = ProjectGraph::from_model(&project.name, &project.model);
    let text = match args.format {
        Format::Text => render::text(&graph),
        Format::Dot => render::dot(&graph),
        Format::Mermaid => render::mermaid(&graph),
    };
    print!("{text}");
    exit::OK
}
