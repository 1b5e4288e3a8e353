import { type PolicyStatement, evaluate } from '../support/iam-evaluation';

// The evaluator the infrastructure's fences are proven with, held to the IAM User Guide's rules.
const PRINCIPAL = 'arn:aws:iam::111122223333:role/app';
const request = (context: Record<string, string | string[]> = {}, action = 's3:GetObject') => ({
  principal: PRINCIPAL,
  action,
  resource: 'arn:aws:s3:::bucket/key',
  context,
});
const allow = (Condition?: PolicyStatement['Condition']): PolicyStatement => ({
  Effect: 'Allow',
  Action: 's3:Get*',
  Resource: 'arn:aws:s3:::bucket/*',
  ...(Condition ? { Condition } : {}),
});

describe('the IAM evaluator of the tests', () => {
  it('denies by default, allows on an Allow, and lets an explicit Deny win from either policy', () => {
    expect(evaluate(request(), { identity: [] })).toBe('implicitly denied');
    expect(evaluate(request(), { identity: [allow()] })).toBe('allowed');
    expect(evaluate(request({}, 's3:PutObject'), { identity: [allow()] })).toBe('implicitly denied');
    const deny: PolicyStatement = { Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' };
    expect(evaluate(request(), { identity: [allow()], resource: [deny] })).toBe('explicitly denied');
  });

  it('matches a positive operator on a missing key never, a negated one always, and Null by presence', () => {
    const key = 'aws:ResourceTag/team';
    expect(evaluate(request(), { identity: [allow({ StringEquals: { [key]: 'a' } })] })).toBe('implicitly denied');
    expect(evaluate(request(), { identity: [allow({ StringNotEquals: { [key]: 'a' } })] })).toBe('allowed');
    expect(evaluate(request(), { identity: [allow({ Null: { [key]: 'true' } })] })).toBe('allowed');
    expect(evaluate(request({ [key]: 'b' }), { identity: [allow({ Null: { [key]: 'true' } })] })).toBe(
      'implicitly denied',
    );
  });

  it('ORs the values of one key, ANDs keys, and matches key names ignoring case', () => {
    const both = allow({ StringEquals: { 'aws:ResourceTag/team': ['a', 'b'], 's3:prefix': 'x' } });
    expect(evaluate(request({ 'AWS:RESOURCETAG/TEAM': 'b', 's3:prefix': 'x' }), { identity: [both] })).toBe('allowed');
    expect(evaluate(request({ 'aws:ResourceTag/team': 'b' }), { identity: [both] })).toBe('implicitly denied');
  });

  it('applies ForAnyValue and ForAllValues to multivalued keys, a missing key as AWS documents', () => {
    const any = allow({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] } });
    const all = allow({ 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } });
    expect(evaluate(request({ 'aws:TagKeys': ['x', 'team'] }), { identity: [any] })).toBe('allowed');
    expect(evaluate(request({ 'aws:TagKeys': ['x', 'team'] }), { identity: [all] })).toBe('implicitly denied');
    expect(evaluate(request(), { identity: [any] })).toBe('implicitly denied');
    expect(evaluate(request(), { identity: [all] })).toBe('allowed');
  });

  it('fills aws:PrincipalArn with the calling principal', () => {
    const only = allow({ ArnEquals: { 'aws:PrincipalArn': PRINCIPAL } });
    expect(evaluate(request(), { identity: [only] })).toBe('allowed');
    expect(evaluate({ ...request(), principal: 'arn:aws:iam::111122223333:role/other' }, { identity: [only] })).toBe(
      'implicitly denied',
    );
  });
});
