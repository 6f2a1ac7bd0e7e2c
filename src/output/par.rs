//! Ordered parallel map over a slice: the one place the core spreads work across threads
//! within a call.
//!
//! Items are handed out dynamically (big and small files mix well) and results are put back
//! in input order, so the thread count only changes who computes a result, never the result.
//! With `threads <= 1` nothing is spawned: the wasm build always passes 1. This module does
//! not keep threads alive between calls (see `zipout::ahead` for the streaming pass).

use std::sync::atomic::{AtomicUsize, Ordering};

/// `items.iter().map(f).collect()`, computed on up to `threads` scoped threads.
pub(crate) fn map_ordered<T, R, F>(items: &[T], threads: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(usize, &T) -> R + Sync,
{
    let threads = threads.min(items.len());
    if threads <= 1 {
        return items.iter().enumerate().map(|(i, t)| f(i, t)).collect();
    }
    let next = AtomicUsize::new(0);
    let parts: Vec<Vec<(usize, R)>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        done.push((i, f(i, item)));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
    for (i, r) in parts.into_iter().flatten() {
        slots[i] = Some(r);
    }
    slots
        .into_iter()
        .map(|s| s.expect("every index is handed out exactly once"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::map_ordered;

    #[test]
    fn results_come_back_in_input_order_for_any_thread_count() {
        let items: Vec<u64> = (0..500).collect();
        let want: Vec<u64> = items.iter().map(|x| x * x + 1).collect();
        for threads in [0, 1, 2, 7, 1000] {
            let got = map_ordered(&items, threads, |i, x| {
                assert_eq!(i as u64, *x);
                x * x + 1
            });
            assert_eq!(got, want, "threads {threads}");
        }
        assert!(map_ordered(&[] as &[u8], 4, |_, x| *x).is_empty());
    }
}
