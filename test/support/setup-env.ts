// The Lambda runtime is Node 22+; the SDK's warning about Node 20 is noise in local runs.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// cdk-nag's EventBusOpenAccess rule reads CfnEventBusPolicy's deprecated `principal`; jsii warns at every synth.
process.env.JSII_DEPRECATED = 'quiet';
