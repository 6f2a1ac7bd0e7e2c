//! The two scripts that choose an OS folder on the guest (`setup.cmd`'s `:choose_os_try` rows,
//! `verify.ps1`'s `$GtWindows`) must carry the same Windows table, in the same order, as the
//! core's (`layout/windows.rs`): the folder setup installs from is the one verify reports on,
//! and each is a folder the core can make. setup.cmd's choice runs under Wine in the guest
//! suite; verify.ps1 cannot run here, so its table and its order of NT versions are held to
//! setup.cmd's.

use guestpack::validate::layout::windows;

/// (name, NT version, product type, first build).
type Row = (String, String, String, u32);

fn read(rel: &str) -> String {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn setup_rows(text: &str) -> Vec<Row> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("call :choose_os_try "))
        .map(|rest| {
            let w: Vec<&str> = rest.split_whitespace().collect();
            assert_eq!(w.len(), 6, "setup.cmd row {rest:?}");
            (
                w[0].to_string(),
                w[1].to_string(),
                w[2].to_string(),
                w[3].parse().unwrap_or_else(|_| panic!("build in {rest:?}")),
            )
        })
        .collect()
}

fn verify_rows(text: &str) -> Vec<Row> {
    let start = text
        .find("$GtWindows = @(")
        .expect("verify.ps1 has $GtWindows");
    let end = start + text[start..].find("\r\n)").expect("the table ends");
    let re = regex::Regex::new(r"@\('([^']+)', '([^']+)', '([^']+)', (\d+)\)").unwrap();
    re.captures_iter(&text[start..end])
        .map(|c| (c[1].into(), c[2].into(), c[3].into(), c[4].parse().unwrap()))
        .collect()
}

#[test]
fn setup_and_verify_choose_from_the_cores_windows_table() {
    let setup = read("guest-tools/setup.cmd");
    let verify = read("guest-tools/verify.ps1");
    let rows = setup_rows(&setup);
    assert_eq!(
        rows,
        verify_rows(&verify),
        "setup.cmd and verify.ps1 tables differ"
    );
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    let mut core: Vec<&str> = windows::TABLE.iter().map(|(n, _)| *n).collect();
    core.sort();
    assert_eq!(sorted, core, "every Windows of the core, once");
    for (name, nt, product, _) in &rows {
        let want = windows::nt_version(name).expect("a name the core knows");
        assert_eq!(*nt, want.to_string(), "{name}");
        let server = name.starts_with("2k");
        assert_eq!(
            product,
            if server { "server" } else { "workstation" },
            "{name}"
        );
    }
    // Newest first within an NT version, as both scripts take the first folder that fits.
    for pair in rows.windows(2) {
        if pair[0].1 == pair[1].1 {
            assert!(pair[0].3 >= pair[1].3, "{:?} before {:?}", pair[0], pair[1]);
        }
    }
    // Both try the NT versions newest first, every one of the table.
    let setup_nts: Vec<String> = setup
        .lines()
        .filter_map(|l| l.trim().strip_prefix("call :choose_os "))
        .filter_map(|rest| rest.strip_suffix(" same"))
        .map(str::to_string)
        .collect();
    let ps = regex::Regex::new(r"foreach \(\$nt in @\(([^)]*)\)\)").unwrap();
    let verify_nts: Vec<String> = ps
        .captures(&verify)
        .expect("verify.ps1 loops over NT versions")[1]
        .split(',')
        .map(|v| v.trim().trim_matches('\'').to_string())
        .collect();
    assert_eq!(setup_nts, verify_nts);
    let mut nts: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    nts.dedup();
    assert_eq!(setup_nts, nts, "NT versions newest first, each once");
}
