export { type PageSplit, renderTimelinePages, type TimelinePage, timelinePages } from './pages.ts';
export { renderTimelinePng, type TimelinePngOptions } from './png.ts';
export {
  DEFAULT_STATUS_COLORS,
  renderTimeline,
  type TimelineOptions,
  type TimelinePart,
  type TimelineUser,
  timelineSize,
} from './render.ts';
