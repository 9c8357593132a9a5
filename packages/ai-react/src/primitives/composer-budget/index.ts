export { ComposerBudget, useComposerBudget } from './composer-budget.js';
export type { ComposerBudgetProps } from './composer-budget.js';
export { defaultComposerBudgetLabels, periodOf } from './composer-budget-labels.js';
export type { BudgetPeriod, ComposerBudgetLabels } from './composer-budget-labels.js';
export { composerBudgetText } from './composer-budget-text.js';
