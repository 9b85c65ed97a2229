/*
 * VMCS field encodings, control bits and exit reasons (SDM Vol. 3D
 * Appendix B, Vol. 3C §24.6-24.8), shared with the guest/vmx test
 * hypervisors' header. The module has its own vmx_launch (Dune's name), so
 * that header's test-library entry points are renamed out of the way here.
 */
#ifndef DUNE_VMCS_H
#define DUNE_VMCS_H
#define vmx_launch vmxlib_vmx_launch
#define vmx_resume vmxlib_vmx_resume
#define vmx_run vmxlib_vmx_run
#include "../vmx/vmx.h"
#undef vmx_launch
#undef vmx_resume
#undef vmx_run
#endif
