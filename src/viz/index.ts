export * from './image_grid';
export * from './plotly';
export * from './graphviz';
export * from './study_figures';
export * from './attention_grid';
export * from './tables';
export * from './claims_forest';
export * from './bars';
