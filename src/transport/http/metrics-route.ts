import type { Metrics } from "../../metrics.js";
import type { HttpRoute } from "./http-server.js";

/** `/metrics`: the node's Prometheus metrics in the text exposition format. */
export function metricsRoute(metrics: Metrics): Record<string, HttpRoute> {
  const { registry } = metrics;
  return {
    "/metrics": async (_req, res) => {
      const text = await registry.metrics();
      res.writeHead(200, { "content-type": registry.contentType });
      res.end(text);
    },
  };
}
