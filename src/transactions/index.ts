// Transactions: an account's credit history as the customer reads it (the list and its CSV
// export, from the ledger's history) and the operator's corrections to it (adjustments).
// May import: context, db, http, ledger, accounts (auth) and purchases (ids, credit.arrived).
export { type Adjustment, adjustCredits } from './adjustments.js';
export { CSV_HEADER, csvCell, transactionsCsv } from './csv.js';
export {
  getTransaction,
  listTransactions,
  type Transaction,
  type TransactionQuery,
} from './list-transactions.js';
export { transactionsRoutes } from './routes.js';
