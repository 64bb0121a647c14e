"""propdesk: the customer-service desk (物业客服部) of a property-management company."""
import warnings

# eventlet announces its deprecation on every import; conventions §4 explains why we still use it
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
