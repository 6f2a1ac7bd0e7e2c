//! Which Windows a medium covers: every spec driver against every OS folder and architecture
//! of the medium, as `present`, `missing-required` or `missing-optional`. Built from the
//! per-driver statuses validation already made, so the matrix and the findings cannot
//! disagree; the report carries it as JSON and the command line prints [`Coverage::to_text`].

use super::layout::Arch;
use super::{PackageState, PackageStatus};
use serde::Serialize;

/// `{ columns: [{os, arch}], rows: [{driver, required, cells}] }`: one column per OS folder
/// (`os` is `null` on media for one Windows) and architecture, one row per spec driver, each
/// cell for the column of the same index.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Column {
    pub os: Option<String>,
    pub arch: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    pub driver: String,
    pub required: bool,
    pub cells: Vec<Cell>,
}

/// One driver on one OS folder and architecture. `NotChecked` when validation never looked
/// (an OS folder that could not be read as a driver tree): the findings say why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cell {
    Present,
    MissingRequired,
    MissingOptional,
    NotChecked,
}

impl Coverage {
    /// The matrix of the spec drivers in `packages`: OS folders in the order validation met
    /// them (the order asked for), each with its arches x86, amd64, arm64; drivers in the
    /// order met. Drivers found but not in the spec are not on the medium and have no row.
    pub fn of(packages: &[PackageStatus]) -> Coverage {
        let listed = packages
            .iter()
            .filter(|p| p.state != PackageState::Unlisted);
        let mut c = Coverage::default();
        let mut oses: Vec<&Option<String>> = Vec::new();
        let mut keys: Vec<(usize, Arch)> = Vec::new();
        for p in listed.clone() {
            let os = oses.iter().position(|o| **o == p.os).unwrap_or_else(|| {
                oses.push(&p.os);
                oses.len() - 1
            });
            if !keys.contains(&(os, p.arch)) {
                keys.push((os, p.arch));
            }
            if !c.rows.iter().any(|r| r.driver == p.driver) {
                c.rows.push(Row {
                    driver: p.driver.clone(),
                    required: p.required,
                    cells: Vec::new(),
                });
            }
        }
        keys.sort();
        c.columns = keys
            .into_iter()
            .map(|(os, arch)| Column {
                os: oses[os].clone(),
                arch: arch.as_str(),
            })
            .collect();
        for row in &mut c.rows {
            row.cells = c
                .columns
                .iter()
                .map(|col| {
                    let found = listed.clone().find(|p| {
                        p.driver == row.driver && p.os == col.os && p.arch.as_str() == col.arch
                    });
                    match found {
                        None => Cell::NotChecked,
                        Some(p) if p.state == PackageState::Present => Cell::Present,
                        Some(p) if p.required => Cell::MissingRequired,
                        Some(_) => Cell::MissingOptional,
                    }
                })
                .collect();
        }
        c
    }

    /// The matrix as aligned text for a terminal, a legend first; empty when there is no
    /// spec driver. One header line of arches, and above it one of OS folders when the
    /// medium has them.
    pub fn to_text(&self) -> String {
        if self.rows.is_empty() {
            return String::new();
        }
        let width = |s: &str| s.chars().count();
        let name_w = self
            .rows
            .iter()
            .map(|r| width(&r.driver))
            .max()
            .unwrap_or(0)
            + 2;
        let cell_w: Vec<usize> = self
            .columns
            .iter()
            .map(|c| width(c.arch).max(Cell::MissingRequired.word().len()) + 2)
            .collect();
        let mut out = String::from(
            "coverage: yes = on the medium, MISSING = required and absent (an error), - = optional and absent\n",
        );
        let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(width(s))));
        if self.columns.iter().any(|c| c.os.is_some()) {
            let mut line = format!("  {}", " ".repeat(name_w));
            let mut shown: Option<&str> = None;
            for (c, w) in self.columns.iter().zip(&cell_w) {
                let os = c.os.as_deref().unwrap_or("");
                let label = if shown == Some(os) { "" } else { os };
                shown = Some(os);
                line.push_str(&pad(label, *w));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        let mut line = format!("  {}", " ".repeat(name_w));
        for (c, w) in self.columns.iter().zip(&cell_w) {
            line.push_str(&pad(c.arch, *w));
        }
        out.push_str(line.trim_end());
        out.push('\n');
        for r in &self.rows {
            let mut line = format!("  {}", pad(&r.driver, name_w));
            for (cell, w) in r.cells.iter().zip(&cell_w) {
                line.push_str(&pad(cell.word(), *w));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

impl Cell {
    fn word(self) -> &'static str {
        match self {
            Cell::Present => "yes",
            Cell::MissingRequired => "MISSING",
            Cell::MissingOptional => "-",
            Cell::NotChecked => "?",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(
        os: Option<&str>,
        arch: Arch,
        driver: &str,
        required: bool,
        state: PackageState,
    ) -> PackageStatus {
        PackageStatus {
            os: os.map(str::to_string),
            arch,
            driver: driver.into(),
            required,
            state,
            files: 0,
            hwids_matched: Vec::new(),
            inf_refs_ok: true,
            catalogs: Vec::new(),
        }
    }

    #[test]
    fn each_driver_against_each_os_and_arch() {
        use PackageState as S;
        let p = [
            status(Some("w7"), Arch::X86, "viostor", true, S::Present),
            status(Some("w7"), Arch::Amd64, "viostor", true, S::Missing),
            status(Some("w7"), Arch::X86, "balloon", false, S::Missing),
            status(Some("w7"), Arch::Amd64, "balloon", false, S::Present),
            status(Some("w7"), Arch::Amd64, "extra", false, S::Unlisted),
            status(Some("2k22"), Arch::Amd64, "viostor", true, S::Present),
        ];
        let c = Coverage::of(&p);
        let cols: Vec<(Option<&str>, &str)> = c
            .columns
            .iter()
            .map(|c| (c.os.as_deref(), c.arch))
            .collect();
        assert_eq!(
            cols,
            [
                (Some("w7"), "x86"),
                (Some("w7"), "amd64"),
                (Some("2k22"), "amd64")
            ]
        );
        let rows: Vec<(&str, bool, &[Cell])> = c
            .rows
            .iter()
            .map(|r| (r.driver.as_str(), r.required, r.cells.as_slice()))
            .collect();
        use Cell::*;
        assert_eq!(
            rows,
            [
                ("viostor", true, &[Present, MissingRequired, Present][..]),
                (
                    "balloon",
                    false,
                    &[MissingOptional, Present, NotChecked][..]
                ),
            ]
        );
        assert_eq!(
            c.to_text(),
            "coverage: yes = on the medium, MISSING = required and absent (an error), - = optional and absent\n\
             \x20          w7                2k22\n\
             \x20          x86      amd64    amd64\n\
             \x20 viostor  yes      MISSING  yes\n\
             \x20 balloon  -        yes      ?\n"
        );
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["rows"][0]["cells"][1], "missing-required");
        assert_eq!(
            json["columns"][2],
            serde_json::json!({"os": "2k22", "arch": "amd64"})
        );
    }

    #[test]
    fn one_os_media_have_no_os_line_and_no_drivers_no_text() {
        let p = [status(
            None,
            Arch::Amd64,
            "viostor",
            true,
            PackageState::Present,
        )];
        let text = Coverage::of(&p).to_text();
        assert_eq!(text.lines().count(), 3, "{text}");
        assert!(text.lines().nth(1).unwrap().trim() == "amd64");
        assert_eq!(Coverage::of(&[]).to_text(), "");
    }
}
