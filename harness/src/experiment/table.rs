//! A left-aligned Markdown table, as the experiments print them.

/// `columns` over `body`, every cell padded to its column's widest entry.
pub fn markdown(columns: &[&str], body: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..columns.len())
        .map(|i| {
            body.iter()
                .filter_map(|c| c.get(i).map(String::len))
                .chain([columns[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cols: Vec<&str>| -> String {
        let padded: Vec<String> = cols
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("| {} |", padded.join(" | "))
    };
    let mut out = vec![line(columns.to_vec())];
    out.push(line(widths.iter().map(|_| "---").collect()));
    out.extend(
        body.iter()
            .map(|c| line(c.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_are_padded_to_the_widest_in_their_column() {
        let body = vec![vec!["a".to_string(), "1234".into()]];
        assert_eq!(
            super::markdown(&["name", "n"], &body),
            "| name | n    |\n| ---  | ---  |\n| a    | 1234 |"
        );
    }
}
