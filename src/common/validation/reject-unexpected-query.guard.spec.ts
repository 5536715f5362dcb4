import { BadRequestException, Param, Query } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { QueryReadInBrowser, RejectUnexpectedQueryGuard } from './reject-unexpected-query.guard';

class Routes {
  search(@Query() _query: object): void {}
  one(@Param('id') _id: string): void {}
  @QueryReadInBrowser()
  page(): void {}
}

function contextOf(handler: keyof Routes, query: Record<string, string>, type = 'http'): ExecutionContextHost {
  const context = new ExecutionContextHost([{ query }, {}], Routes, Routes.prototype[handler]);
  context.setType(type);
  return context;
}

describe(RejectUnexpectedQueryGuard.name, () => {
  const guard = new RejectUnexpectedQueryGuard();

  it('refuses a query parameter on a route that takes none, naming each', () => {
    const refuse = (): boolean => guard.canActivate(contextOf('one', { cascade: 'true', x: '1' }));
    expect(refuse).toThrow(BadRequestException);
    try {
      refuse();
    } catch (error) {
      expect((error as BadRequestException).getResponse()).toEqual({
        message: 'this route takes no query parameters (got cascade, x)',
        details: [
          { field: 'cascade', messages: ['property cascade should not exist'] },
          { field: 'x', messages: ['property x should not exist'] },
        ],
      });
    }
  });

  it('lets through routes with a query DTO, pages that read their query, no query at all, and messages', () => {
    expect(guard.canActivate(contextOf('search', { q: 'load' }))).toBe(true);
    expect(guard.canActivate(contextOf('page', { code: 'c', state: 's' }))).toBe(true);
    expect(guard.canActivate(contextOf('one', {}))).toBe(true);
    expect(guard.canActivate(contextOf('one', { x: '1' }, 'rpc'))).toBe(true);
  });
});
