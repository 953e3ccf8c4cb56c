// The run's timeline (timeline_log.py): lines are appended here, one message per tick, and drawn
// as plain rows; it follows the newest line unless the user has scrolled up to read.
let nextKey = 0;
const rowsOf = (lines) => lines.map(([text, classes]) => ({ key: nextKey++, text, classes }));

export default {
  template: `
    <q-scroll-area ref="qRef" @scroll="onScroll">
      <div v-for="row in rows" :key="row.key" :class="row.classes">{{ row.text }}</div>
    </q-scroll-area>`,
  props: { max: Number },
  data() {
    return { rows: [], shouldScroll: true, lastHeight: NaN };
  },
  updated() {
    if (!this.shouldScroll) return;
    this.$nextTick(() => this.$refs.qRef.setScrollPosition("vertical", this.$refs.qRef.getScrollTarget().scrollHeight));
  },
  methods: {
    push(lines) {
      this.rows.push(...rowsOf(lines));
      if (this.rows.length > this.max) this.rows.splice(0, this.rows.length - this.max);
    },
    clear() {
      this.rows = [];
    },
    onScroll(info) {
      if (info.verticalContainerSize === 0 || info.horizontalContainerSize === 0) return;
      if (info.verticalContainerSize !== this.lastHeight) {
        this.lastHeight = info.verticalContainerSize;
        return;
      }
      this.shouldScroll = this.$refs.qRef.getScroll().verticalPercentage === 1.0;
    },
  },
};
