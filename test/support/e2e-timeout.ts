// E2E tests wait on real services (with their own deadlines); this is the outer bound.
jest.setTimeout(180_000);
