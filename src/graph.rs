//! The service dependency graph (petgraph): start order and cycle detection, both linear in the
//! size of the graph (Tarjan's strongly connected components), so a dense 1000-service graph
//! is checked in microseconds.

pub mod render;
pub mod view;

use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::HashMap;

/// A graph of services; an edge `a → b` means `a` depends on `b`.
#[derive(Debug, Default)]
pub struct DependencyGraph {
    graph: DiGraph<String, ()>,
    index: HashMap<String, NodeIndex>,
}

impl DependencyGraph {
    pub fn new() -> DependencyGraph {
        DependencyGraph::default()
    }

    pub fn add_service(&mut self, name: &str) -> NodeIndex {
        if let Some(index) = self.index.get(name) {
            return *index;
        }
        let index = self.graph.add_node(name.to_string());
        self.index.insert(name.to_string(), index);
        index
    }

    /// `dependent` waits for `dependency`.
    pub fn add_dependency(&mut self, dependent: &str, dependency: &str) {
        let from = self.add_service(dependent);
        let to = self.add_service(dependency);
        if self.graph.find_edge(from, to).is_none() {
            self.graph.add_edge(from, to, ());
        }
    }

    /// Every dependency cycle, each as the list of services along it, starting from the
    /// alphabetically first member and closed (`[a, b, c, a]`). Sorted for stable output.
    pub fn cycles(&self) -> Vec<Vec<String>> {
        let mut cycles = Vec::new();
        for component in tarjan_scc(&self.graph) {
            let self_loop =
                component.len() == 1 && self.graph.find_edge(component[0], component[0]).is_some();
            if component.len() < 2 && !self_loop {
                continue;
            }
            let start = *component
                .iter()
                .min_by(|a, b| self.graph[**a].cmp(&self.graph[**b]))
                .expect("a component is never empty");
            cycles.push(self.cycle_through(start, &component));
        }
        cycles.sort();
        cycles
    }

    /// A shortest cycle from `start` back to itself inside one strongly connected component
    /// (breadth-first, so the message names as few services as possible).
    fn cycle_through(&self, start: NodeIndex, component: &[NodeIndex]) -> Vec<String> {
        use std::collections::VecDeque;
        let members: std::collections::HashSet<NodeIndex> = component.iter().copied().collect();
        let mut previous: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue = VecDeque::from([start]);
        let mut end = None;
        'search: while let Some(node) = queue.pop_front() {
            let mut neighbours: Vec<NodeIndex> = self.graph.neighbors(node).collect();
            neighbours.sort_by(|a, b| self.graph[*a].cmp(&self.graph[*b]));
            for next in neighbours {
                if next == start {
                    end = Some(node);
                    break 'search;
                }
                if members.contains(&next) && !previous.contains_key(&next) {
                    previous.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        let mut path = vec![self.graph[start].clone()];
        let mut node = end.unwrap_or(start);
        let mut back = Vec::new();
        while node != start {
            back.push(self.graph[node].clone());
            node = previous[&node];
        }
        back.reverse();
        path.extend(back);
        path.push(self.graph[start].clone());
        path
    }

    /// Services in an order where every dependency comes before its dependents (ties broken by
    /// name); `None` when there is a cycle.
    pub fn start_order(&self) -> Option<Vec<String>> {
        let mut indegree: HashMap<NodeIndex, usize> = self
            .graph
            .node_indices()
            .map(|n| (n, self.graph.neighbors(n).count()))
            .collect();
        let mut ready: std::collections::BTreeSet<(String, NodeIndex)> = indegree
            .iter()
            .filter(|(_, degree)| **degree == 0)
            .map(|(n, _)| (self.graph[*n].clone(), *n))
            .collect();
        let mut order = Vec::new();
        while let Some(first) = ready.pop_first() {
            order.push(first.0.clone());
            for dependent in self
                .graph
                .neighbors_directed(first.1, petgraph::Direction::Incoming)
            {
                let degree = indegree.get_mut(&dependent).expect("known node");
                *degree -= 1;
                if *degree == 0 {
                    ready.insert((self.graph[dependent].clone(), dependent));
                }
            }
        }
        (order.len() == self.graph.node_count()).then_some(order)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_named_in_full() {
        let mut graph = DependencyGraph::new();
        graph.add_dependency("a", "b");
        graph.add_dependency("b", "c");
        graph.add_dependency("c", "a");
        graph.add_dependency("d", "d");
        graph.add_dependency("e", "a");
        assert_eq!(
            graph.cycles(),
            vec![
                vec!["a".to_string(), "b".into(), "c".into(), "a".into()],
                vec!["d".to_string(), "d".into()],
            ]
        );
        assert_eq!(graph.start_order(), None);
    }

    #[test]
    fn start_order_puts_dependencies_first() {
        let mut graph = DependencyGraph::new();
        graph.add_dependency("web", "db");
        graph.add_dependency("web", "cache");
        graph.add_service("other");
        assert_eq!(
            graph.start_order().unwrap(),
            vec!["cache", "db", "other", "web"]
        );
    }

    #[test]
    fn dense_graphs_are_checked_quickly() {
        let mut graph = DependencyGraph::new();
        for i in 0..300 {
            for j in 0..i {
                graph.add_dependency(&format!("s{i}"), &format!("s{j}"));
            }
        }
        graph.add_dependency("s0", "s299");
        let started = std::time::Instant::now();
        let cycles = graph.cycles();
        assert_eq!(cycles.len(), 1);
        assert_eq!(cycles[0].first().unwrap(), "s0");
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }
}
