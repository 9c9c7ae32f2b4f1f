// The tools project's own tests (npm test runs them through `nx run tools:test`): the capacity model's
// check, the structure checks and the load generator's arithmetic. The e2e and integration suites have their own configs.
module.exports = { projects: ['<rootDir>/capacity/jest.config.js', '<rootDir>/structure/jest.config.js', '<rootDir>/bench/jest.config.js'] };
