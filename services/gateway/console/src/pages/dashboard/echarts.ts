// The parts of ECharts the dashboard draws with, and nothing else: imported only by the dashboard's
// chart, on demand, so no other page (and not the dashboard's first paint) carries it. The canvas
// renderer, because the SVG renderer writes style attributes that the console's
// Content-Security-Policy (no 'unsafe-inline') refuses.
import { BarChart } from "echarts/charts";
import { AriaComponent, GridComponent, TooltipComponent } from "echarts/components";
import { init, use } from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";

use([BarChart, GridComponent, TooltipComponent, AriaComponent, CanvasRenderer]);

export { init };
