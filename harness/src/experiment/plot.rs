//! The SVG plot of an experiment: panels stacked vertically, each with line series over the
//! fraction of failed nodes, 95% intervals as error bars. Drawn with `plotters`' SVG
//! backend and its built-in font metrics, so no system font is needed.

use super::ExperimentError;
use plotters::prelude::*;
use std::path::Path;

/// Pixel size of one panel.
const PANEL_PX: (u32, u32) = (760, 300);

/// Line colours, cycled over a panel's series.
const COLOURS: [RGBColor; 5] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(127, 127, 127),
];

/// One curve: points `(x, y, 95% half-width)`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Series {
    /// Legend entry.
    pub name: String,
    /// Points in increasing x.
    pub points: Vec<(f64, f64, Option<f64>)>,
}

impl Series {
    /// A named series.
    pub fn new(name: &str, points: Vec<(f64, f64, Option<f64>)>) -> Self {
        Series {
            name: name.to_owned(),
            points,
        }
    }
}

/// One chart: a y quantity against the x axis.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Panel {
    /// Title of the panel and its y axis.
    pub title: String,
    /// The curves.
    pub series: Vec<Series>,
}

/// A whole figure.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plot {
    /// Label of the shared x axis.
    pub x_label: String,
    /// Panels, top to bottom.
    pub panels: Vec<Panel>,
}

/// A plotters failure, as text (its error type is generic over the backend).
fn plot_err(path: &Path) -> impl Fn(String) -> ExperimentError + '_ {
    move |e| ExperimentError::Plot {
        path: path.to_path_buf(),
        detail: e,
    }
}

impl Plot {
    /// Draw the figure into an SVG file at `path`.
    pub fn write_svg(&self, path: &Path) -> Result<(), ExperimentError> {
        let height = PANEL_PX.1 * self.panels.len().max(1) as u32;
        let root = SVGBackend::new(path, (PANEL_PX.0, height)).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| plot_err(path)(e.to_string()))?;
        let areas = root.split_evenly((self.panels.len().max(1), 1));
        for (panel, area) in self.panels.iter().zip(&areas) {
            self.draw_panel(panel, area)
                .map_err(|e| plot_err(path)(e.to_string()))?;
        }
        root.present().map_err(|e| plot_err(path)(e.to_string()))
    }

    fn draw_panel<DB: DrawingBackend>(
        &self,
        panel: &Panel,
        area: &DrawingArea<DB, plotters::coord::Shift>,
    ) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
        let all = panel.series.iter().flat_map(|s| &s.points);
        let (mut x_max, mut y_max) = (0.0f64, 0.0f64);
        for &(x, y, ci) in all {
            x_max = x_max.max(x);
            y_max = y_max.max(y + ci.unwrap_or(0.0));
        }
        let x_max = if x_max > 0.0 { x_max * 1.05 } else { 1.0 };
        let y_max = if y_max > 0.0 { y_max * 1.15 } else { 1.0 };
        let mut chart = ChartBuilder::on(area)
            .caption(&panel.title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(0.0..x_max, 0.0..y_max)?;
        chart
            .configure_mesh()
            .x_desc(self.x_label.as_str())
            .y_desc(panel.title.as_str())
            .draw()?;
        for (i, s) in panel.series.iter().enumerate() {
            let colour = COLOURS[i % COLOURS.len()];
            let line = s.points.iter().map(|&(x, y, _)| (x, y));
            chart
                .draw_series(LineSeries::new(line, colour.stroke_width(2)))?
                .label(s.name.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour));
            let dots = s
                .points
                .iter()
                .map(|&(x, y, _)| Circle::new((x, y), 3, colour.filled()));
            chart.draw_series(dots)?;
            let bars = s.points.iter().filter_map(|&(x, y, ci)| {
                ci.map(|h| ErrorBar::new_vertical(x, y - h, y, y + h, colour, 8))
            });
            chart.draw_series(bars)?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_svg_with_every_series_name_is_written() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("plot.svg");
        let plot = Plot {
            x_label: "fraction of nodes failed".into(),
            panels: vec![Panel {
                title: "path length".into(),
                series: vec![
                    Series::new("ours", vec![(0.0, 3.7, Some(0.1)), (0.5, 5.0, None)]),
                    Series::new("paper", vec![(0.0, 3.84, None), (0.5, 5.09, None)]),
                ],
            }],
        };
        plot.write_svg(&path).expect("drawn");
        let svg = std::fs::read_to_string(&path).expect("written");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert!(svg.contains("ours") && svg.contains("paper") && svg.contains("path length"));
    }
}
