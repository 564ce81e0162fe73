/** Types of ECharts' one-file ESM build (render-png.ts imports it): the same API as the package entry. */
declare module 'echarts/dist/echarts.esm.min.mjs' {
  export * from 'echarts';
}
