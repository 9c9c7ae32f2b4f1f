// The tools project's own tests (npm test runs them through `nx run tools:test`): the capacity model's
// check and the structure checks. The e2e and integration suites have their own configs.
module.exports = { projects: ['<rootDir>/capacity/jest.config.js', '<rootDir>/structure/jest.config.js'] };
