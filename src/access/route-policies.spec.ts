import { Controller, Get, Post } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Access } from './access.decorator';
import { RoutePolicies } from './route-policies';

@Controller('things')
class DeclaredController {
  @Get()
  @Access('read')
  list(): string[] {
    return [];
  }
}

@Controller('things/:id')
class ForgetfulController {
  @Get()
  @Access('read')
  read(): string {
    return '';
  }

  // No @Access: deny by default means this app must not start.
  @Post('undeclared')
  write(): string {
    return '';
  }
}

async function boot(...controllers: (new () => unknown)[]): Promise<RoutePolicies> {
  const module = await Test.createTestingModule({ imports: [DiscoveryModule], controllers, providers: [RoutePolicies] }).compile();
  await module.init();
  return module.get(RoutePolicies);
}

describe(RoutePolicies.name, () => {
  it('lists every route with its policy', async () => {
    expect((await boot(DeclaredController)).list()).toEqual([{ method: 'GET', path: '/things', policy: 'read' }]);
  });

  it('stops the application from starting when a route declares no policy, naming it', async () => {
    await expect(boot(DeclaredController, ForgetfulController)).rejects.toThrow(
      'Routes without an access policy (@Access): POST /things/:id/undeclared',
    );
  });
});
