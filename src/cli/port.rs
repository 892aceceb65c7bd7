//! `rcompose port SERVICE PRIVATE_PORT`: the host address a running container of the service
//! publishes that port on, as `docker compose port` prints it (`0.0.0.0:8081`). `--protocol
//! tcp|udp`, `--index N` for a replica other than the first.

use clap::{Args, ValueEnum};

use super::daily_support;
use super::{exit, GlobalOptions};
use crate::engine::{ContainerOpsEngine, DockerEngine, Protocol};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PortProtocol {
    Tcp,
    Udp,
}

#[derive(Debug, Args)]
pub struct PortArgs {
    /// The service
    #[arg(value_name = "SERVICE")]
    service: String,
    /// The container port
    #[arg(value_name = "PRIVATE_PORT")]
    port: u16,
    /// tcp or udp
    #[arg(long, value_enum, default_value = "tcp")]
    protocol: PortProtocol,
    /// Index of the container if the service has multiple replicas
    #[arg(long, value_name = "N")]
    index: Option<u32>,
}

pub fn run(global: &GlobalOptions, args: &PortArgs) -> u8 {
    daily_support::with_replica(
        global,
        &args.service,
        args.index,
        None,
        async |engine: DockerEngine, container| {
            let ports = match engine.published_ports(&container.id).await {
                Ok(ports) => ports,
                Err(error) => {
                    eprintln!("error: {error}");
                    return exit::FAILURE;
                }
            };
            let protocol = match args.protocol {
                PortProtocol::Tcp => Protocol::Tcp,
                PortProtocol::Udp => Protocol::Udp,
            };
            match ports
                .iter()
                .find(|p| p.container_port == args.port && p.protocol == protocol)
            {
                Some(port) => {
                    println!("{}", port.host_address());
                    exit::OK
                }
                None => {
                    let published: Vec<String> = ports
                        .iter()
                        .map(|p| format!("{}/{}", p.container_port, p.protocol.as_str()))
                        .collect();
                    eprintln!(
                        "error: container `{}` does not publish port {}/{}{}",
                        container.name,
                        args.port,
                        protocol.as_str(),
                        if published.is_empty() {
                            String::from(" (it publishes none)")
                        } else {
                            format!(" (it publishes {})", published.join(", "))
                        }
                    );
                    exit::FAILURE
                }
            }
        },
    )
}
