//! The state of the searches in the residual graph, reused from one to the next.

use alloc::{collections::VecDeque, vec, vec::Vec};

use super::NONE;

/// Distances, parents and labels of the residual graph's nodes, with the tree of the
/// label-correcting search and the marks of the breadth-first ones.
///
/// The label-correcting search keeps its tree as a thread (the nodes in preorder, with their
/// depths) so that when a node's distance falls its subtree is taken out at once (Tarjan's
/// subtree disassembly): those nodes are not expanded with stale distances, and a node found in
/// the subtree of the node it improves closes a negative cycle, seen the moment it forms.
pub(super) struct Search {
	/// Distance of the label-correcting search; level of the breadth-first one that levels.
	pub(super) dist: Vec<i64>,
	/// Tree parent; `NONE` for the children of the virtual root and for nodes out of the tree.
	pub(super) parent: Vec<usize>,
	/// The job type a `Family` node carries.
	pub(super) label: Vec<usize>,
	/// Depth in the tree (the virtual root, the last entry, is 0); `NONE` when out of it.
	depth: Vec<usize>,
	/// The preorder thread: a circular list through the virtual root.
	next: Vec<usize>,
	previous: Vec<usize>,
	pub(super) queued: Vec<bool>,
	pub(super) queue: VecDeque<usize>,
	/// Reached (breadth-first searches), blocked (climbing) or changed (repair).
	pub(super) mark: Vec<u8>,
	/// The arcs of the node being expanded, kept to reuse the allocation.
	pub(super) arcs: Vec<(usize, i64, usize)>,
	/// Tree nodes walked since the work was last counted.
	pub(super) walked: u64,
	/// The nodes a breadth-first search reached, in order; `mark` flags them.
	pub(super) seen: Vec<usize>,
}

impl Search {
	pub(super) fn new(nodes: usize) -> Self {
		let all = nodes.saturating_add(1);
		let mut search = Self {
			dist: vec![i64::MAX; all],
			parent: vec![NONE; all],
			label: vec![NONE; all],
			depth: vec![NONE; all],
			next: vec![NONE; all],
			previous: vec![NONE; all],
			queued: vec![false; all],
			queue: VecDeque::new(),
			mark: vec![0; all],
			arcs: Vec::new(),
			walked: 0,
			seen: Vec::new(),
		};
		search.reset();
		search
	}

	pub(super) fn root(&self) -> usize {
		self.dist.len().saturating_sub(1)
	}

	pub(super) fn reset(&mut self) {
		self.dist.fill(i64::MAX);
		self.parent.fill(NONE);
		self.label.fill(NONE);
		self.depth.fill(NONE);
		self.queued.fill(false);
		self.queue.clear();
		let root = self.root();
		set(&mut self.depth, root, 0);
		set(&mut self.next, root, root);
		set(&mut self.previous, root, root);
	}

	pub(super) fn start(&mut self, node: usize, label: usize) {
		set(&mut self.dist, node, 0);
		set(&mut self.label, node, label);
		self.attach(self.root(), node);
		self.enqueue(node);
	}

	pub(super) fn enqueue(&mut self, node: usize) {
		if let Some(queued) = self.queued.get_mut(node) {
			if !*queued {
				*queued = true;
				self.queue.push_back(node);
			}
		}
	}

	pub(super) fn dist(&self, node: usize) -> i64 {
		self.dist.get(node).copied().unwrap_or(i64::MAX)
	}

	pub(super) fn parent(&self, node: usize) -> usize {
		self.parent.get(node).copied().unwrap_or(NONE)
	}

	pub(super) fn label(&self, node: usize) -> usize {
		self.label.get(node).copied().unwrap_or(NONE)
	}

	fn depth(&self, node: usize) -> usize {
		self.depth.get(node).copied().unwrap_or(NONE)
	}

	pub(super) fn in_tree(&self, node: usize) -> bool {
		self.depth(node) != NONE
	}

	fn after(&self, node: usize) -> usize {
		self.next.get(node).copied().unwrap_or(NONE)
	}

	/// The last node of the subtree of `node` in the thread.
	fn subtree_end(&mut self, node: usize) -> usize {
		let depth = self.depth(node);
		let mut last = node;
		let mut at = self.after(node);
		let mut walked = 0u64;
		while at != NONE && at != self.root() && self.depth(at) != NONE && self.depth(at) > depth {
			last = at;
			at = self.after(at);
			walked = walked.saturating_add(1);
		}
		self.walked = self.walked.saturating_add(walked);
		last
	}

	/// Takes the run `first..=last` out of the thread.
	fn unlink(&mut self, first: usize, last: usize) {
		let before = self.previous.get(first).copied().unwrap_or(NONE);
		let after = self.after(last);
		set(&mut self.next, before, after);
		set(&mut self.previous, after, before);
	}

	/// Puts the run `first..=last` into the thread right after `at`.
	fn link(&mut self, at: usize, first: usize, last: usize) {
		let after = self.after(at);
		set(&mut self.next, at, first);
		set(&mut self.previous, first, at);
		set(&mut self.next, last, after);
		set(&mut self.previous, after, last);
	}

	/// Makes `node` (out of the tree) a child of `parent`.
	pub(super) fn attach(&mut self, parent: usize, node: usize) {
		let tree_parent = if parent == self.root() { NONE } else { parent };
		set(&mut self.parent, node, tree_parent);
		let depth = self.depth(parent).saturating_add(1);
		set(&mut self.depth, node, depth);
		self.link(parent, node, node);
	}

	/// Gives `node` the distance `dist` through `parent`, unless `parent` lies in its subtree:
	/// then the walk from `node` down to `parent` and back closes a negative cycle, returned.
	/// The old subtree of `node` leaves the tree: its distances are stale until relaxed again.
	pub(super) fn improve(
		&mut self,
		node: usize,
		parent: usize,
		dist: i64,
		label: usize,
	) -> Option<Vec<usize>> {
		if self.in_tree(node) {
			let last = self.subtree_end(node);
			let mut at = node;
			while at != last {
				at = self.after(at);
				if at == parent {
					let mut cycle = vec![parent];
					let mut up = self.parent(parent);
					while up != node && up != NONE && cycle.len() < self.dist.len() {
						cycle.push(up);
						up = self.parent(up);
					}
					cycle.push(node);
					cycle.reverse();
					return Some(cycle);
				}
			}
			let mut at = node;
			loop {
				set(&mut self.depth, at, NONE);
				if at != node {
					set(&mut self.parent, at, NONE);
				}
				if at == last {
					break;
				}
				at = self.after(at);
			}
			self.unlink(node, last);
		}
		set(&mut self.dist, node, dist);
		set(&mut self.label, node, label);
		self.attach(parent, node);
		self.enqueue(node);
		None
	}

	/// Moves `node` and its subtree under the virtual root, keeping their distances.
	pub(super) fn detach(&mut self, node: usize) {
		if !self.in_tree(node) || self.parent(node) == NONE {
			return;
		}
		let last = self.subtree_end(node);
		let lift = self.depth(node).saturating_sub(1);
		let mut at = node;
		loop {
			let depth = self.depth(at).saturating_sub(lift);
			set(&mut self.depth, at, depth);
			if at == last {
				break;
			}
			at = self.after(at);
		}
		self.unlink(node, last);
		set(&mut self.parent, node, NONE);
		self.link(self.root(), node, last);
	}

	/// Forgets the nodes the last breadth-first search reached.
	pub(super) fn clear_seen(&mut self) {
		for at in 0..self.seen.len() {
			if let Some(&node) = self.seen.get(at) {
				set(&mut self.mark, node, 0);
			}
		}
		self.seen.clear();
	}

	/// Marks `node` reached from `parent` carrying `label`; false if it already was.
	pub(super) fn see(&mut self, node: usize, parent: usize, label: usize) -> bool {
		if self.mark.get(node) != Some(&0) {
			return false;
		}
		set(&mut self.mark, node, 1);
		set(&mut self.parent, node, parent);
		set(&mut self.label, node, label);
		self.seen.push(node);
		true
	}

	/// The nodes from `source` to `end` along parents, in order, if they lead there.
	pub(super) fn walk_to(&self, source: usize, end: usize) -> Option<Vec<usize>> {
		let mut path = vec![end];
		let mut node = self.parent(end);
		while node != NONE {
			if path.len() > self.parent.len() {
				return None;
			}
			path.push(node);
			node = self.parent(node);
		}
		path.reverse();
		(path.first() == Some(&source)).then_some(path)
	}
}

pub(super) fn set<T>(values: &mut [T], at: usize, value: T) {
	if let Some(slot) = values.get_mut(at) {
		*slot = value;
	}
}
