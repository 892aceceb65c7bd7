//! `rcompose top [SERVICE...]`: the processes of the project's running containers, in one table
//! as `docker compose top` prints it: SERVICE and replica `#` first, then the columns `ps`
//! gives (UID, PID, PPID, C, STIME, TTY, TIME), `CMD` last.

use clap::Args;

use super::daily_support;
use super::engine_session::Scope;
use super::ps::table;
use super::{exit, GlobalOptions};
use crate::engine::{ContainerOpsEngine, DockerEngine, ProcessList};

#[derive(Debug, Args)]
pub struct TopArgs {
    /// Only these services' containers
    #[arg(value_name = "SERVICE")]
    services: Vec<String>,
}

pub fn run(global: &GlobalOptions, args: &TopArgs) -> u8 {
    daily_support::with_engine(
        global,
        &args.services,
        false,
        async |scope: Scope, engine: DockerEngine| {
            let containers = match daily_support::service_containers(
                &engine,
                &scope.name,
                &args.services,
                false,
            )
            .await
            {
                Ok(containers) => containers,
                Err(code) => return code,
            };
            let mut listed = Vec::new();
            for container in &containers {
                match engine.container_processes(&container.id).await {
                    Ok(list) => listed.push((
                        daily_support::service_of(container)
                            .cloned()
                            .unwrap_or_default(),
                        daily_support::number_of(container)
                            .map_or(String::new(), |n| n.to_string()),
                        list,
                    )),
                    Err(error) => {
                        eprintln!("error: {error}");
                        return exit::FAILURE;
                    }
                }
            }
            print!("{}", render(&listed));
            exit::OK
        },
    )
}

/// The table: the union of the containers' titles in the order met, `CMD` moved last; a cell
/// a container's `ps` did not give is `-`. Nothing at all without a process.
pub fn render(listed: &[(String, String, ProcessList)]) -> String {
    let mut header: Vec<String> = vec!["SERVICE".into(), "#".into()];
    for (_, _, list) in listed {
        for title in &list.titles {
            if !header.contains(title) {
                header.push(title.clone());
            }
        }
    }
    if let Some(at) = header.iter().position(|t| t == "CMD") {
        let cmd = header.remove(at);
        header.push(cmd);
    }
    let mut rows = vec![header.clone()];
    for (service, replica, list) in listed {
        for process in &list.processes {
            let row = header
                .iter()
                .map(|title| match title.as_str() {
                    "SERVICE" => service.clone(),
                    "#" => replica.clone(),
                    _ => list
                        .titles
                        .iter()
                        .position(|t| t == title)
                        .and_then(|i| process.get(i))
                        .cloned()
                        .unwrap_or_else(|| "-".to_string()),
                })
                .collect();
            rows.push(row);
        }
    }
    if rows.len() == 1 {
        return String::new();
    }
    table(&rows, 4, 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_reads_like_v2() {
        let list = ProcessList {
            titles: ["UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"]
                .map(String::from)
                .to_vec(),
            processes: vec![[
                "root",
                "15367",
                "15347",
                "0",
                "23:49",
                "?",
                "00:00:00",
                "sleep 100000",
            ]
            .map(String::from)
            .to_vec()],
        };
        assert_eq!(
            render(&[("db".into(), "1".into(), list)]),
            "SERVICE  #   UID   PID    PPID   C   STIME  TTY  TIME      CMD\n\
             db       1   root  15367  15347  0   23:49  ?    00:00:00  sleep 100000\n"
        );
        assert_eq!(render(&[]), "");
    }
}
