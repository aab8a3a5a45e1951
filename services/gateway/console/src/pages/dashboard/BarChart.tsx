import { useEffect, useRef, useState } from "react";
import type { BarChartOption } from "./chart-option.js";

type Chart = ReturnType<typeof import("./echarts.js").init>;

/**
 * An ECharts bar chart, loaded on first use. ECharts gives the container role="img" and the
 * option's aria description as its label; the table beside it is the accessible twin with every
 * figure. Until the library arrives (or if it fails to), the box stays empty: the table says it all.
 */
export function BarChart({ option, height }: { option: BarChartOption; height: number }) {
  const container = useRef<HTMLDivElement>(null);
  const [chart, setChart] = useState<Chart>();

  useEffect(() => {
    let disposed = false;
    let instance: Chart | undefined;
    let observer: ResizeObserver | undefined;
    void import("./echarts.js").then(({ init }) => {
      if (disposed || !container.current) return;
      instance = init(container.current, null, { renderer: "canvas" });
      observer = new ResizeObserver(() => instance?.resize());
      observer.observe(container.current);
      setChart(instance);
    });
    return () => {
      disposed = true;
      observer?.disconnect();
      instance?.dispose();
    };
  }, []);

  useEffect(() => {
    chart?.setOption(option, { notMerge: true });
  }, [chart, option]);

  // Set through the CSS object model, which the Content-Security-Policy allows (a style attribute it would not).
  useEffect(() => {
    if (container.current) container.current.style.height = `${height}px`;
    chart?.resize();
  }, [chart, height]);

  return <div ref={container} className="chart dashboard-chart" />;
}
