/** Renders Plot figures to static markup in Node, through one shared jsdom document. */
import * as Plot from '@observablehq/plot';
import { JSDOM } from 'jsdom';

let doc: Document | undefined;

/** The shared jsdom document (created on first use; Plot only creates detached elements in it). */
function document(): Document {
  doc ??= new JSDOM('<!doctype html><html><body></body></html>').window.document;
  return doc;
}

/**
 * `Plot.plot(options)` rendered as static SVG (or a `<figure>` with the legend and the SVG) markup. Text
 * from the data ends up in text nodes and attributes, which the serializer escapes.
 */
export function renderPlot(options: Plot.PlotOptions): string {
  return Plot.plot({ ...options, document: document() }).outerHTML;
}
