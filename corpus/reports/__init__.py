"""What a person reads: the terminal report (`report`), the offline HTML report (`html_report`,
`svg_charts`), `jacorpus inspect` (`inspect`), and text made safe for a terminal
(`terminal_text`). No re-exports."""
